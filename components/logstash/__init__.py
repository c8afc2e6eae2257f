"""Logstash pipelines as data: the serializer (lscl), its reader (parse), the check that every render
reads back as meant (verify), the source and sink registries, and the two pipelines."""
