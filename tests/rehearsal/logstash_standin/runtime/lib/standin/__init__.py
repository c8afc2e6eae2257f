"""A Logstash stand-in for rehearsals on machines that cannot download Logstash: the real CLI and
layout, running the pipelines our code renders with our own LSCL parser and kafka-python."""
