"""Logstash pipelines as data: a serializer, the source and sink registries, the two pipelines."""
