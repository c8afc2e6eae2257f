"""The rehearsal: the real program on the `local` platform, and what it needs on a machine that
cannot reach Apache's or Elastic's downloads: a Kafka distribution assembled from Maven Central's
jars, real Logstash from its offline OSS build with a JDK added, and the mirror that serves both.
Nothing here ships in a deployment."""
