"""The rehearsal: the real program on the `local` platform, and the stand-ins it needs on a machine
that cannot reach Apache's or Elastic's downloads (an assembled Kafka distribution, a Logstash
stand-in, the mirror that serves both). Nothing here ships in a deployment."""
