"""A Logstash stand-in distribution for the rehearsal: `build.build(version, out_dir)` makes a tarball
with a real release's name and layout whose bin/logstash runs our rendered pipelines with Debian's
python3, our own LSCL parser and kafka-python (vendored). Tests only; it never ships."""
