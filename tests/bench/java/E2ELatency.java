// End-to-end latency with the Java client, at a fixed rate: the producer writes its send time
// (System.nanoTime, one clock for every process of this machine) into each record; the consumer,
// in another network namespace, subtracts it from the time it receives the record.
//   java E2ELatency produce <client.properties> <topic> <events/s> <warm-up s> <seconds> <bytes>
//   java E2ELatency consume <client.properties> <topic> <measured records> <timeout s>
// The first <warm-up s> of records carry a warm-up mark and are not measured: on two cores a
// freshly started broker and fresh client JVMs spend their first tens of seconds compiling, which
// a pipeline running for hours never sees again. The consumer prints READY once it is positioned
// at the end of every partition, then one line "p50 p99 max received" in milliseconds.
import java.io.FileInputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

public class E2ELatency {
    public static void main(String[] args) throws Exception {
        Properties props = new Properties();
        try (FileInputStream in = new FileInputStream(args[1])) {
            props.load(in);
        }
        if (args[0].equals("produce")) {
            produce(props, args[2], Integer.parseInt(args[3]), Double.parseDouble(args[4]), Double.parseDouble(args[5]),
                    Integer.parseInt(args[6]));
        } else {
            consume(props, args[2], Integer.parseInt(args[3]), Double.parseDouble(args[4]));
        }
    }

    static final int SENT_AT = 0;  // 8 bytes: System.nanoTime() at send
    static final int MEASURED = 8;  // 1 byte: 0 during warm-up, 1 after
    static final int HEADER = 9;

    // A Logstash-shaped JSON event after the header, so compression sees real text.
    static byte[] payload(int bytes) {
        byte[] json = "{\"@timestamp\":\"2026-11-28T12:00:00.000Z\",\"@version\":\"1\",\"sensor\":\"lab-1\",\"reading\":42}"
                .getBytes(StandardCharsets.UTF_8);
        byte[] value = new byte[Math.max(bytes, HEADER)];
        for (int i = HEADER; i < value.length; i++) {
            value[i] = json[(i - HEADER) % json.length];
        }
        return value;
    }

    static void produce(Properties props, String topic, int rate, double warmup, double seconds, int bytes) {
        props.put("key.serializer", ByteArraySerializer.class.getName());
        props.put("value.serializer", ByteArraySerializer.class.getName());
        long unmeasured = (long) (rate * warmup);
        long total = unmeasured + (long) (rate * seconds);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props)) {
            long start = System.nanoTime();
            for (long i = 0; i < total; i++) {
                long due = start + i * 1_000_000_000L / rate;
                for (long wait = due - System.nanoTime(); wait > 0; wait = due - System.nanoTime()) {
                    LockSupport.parkNanos(wait);
                }
                byte[] value = payload(bytes);
                value[MEASURED] = (byte) (i < unmeasured ? 0 : 1);
                ByteBuffer.wrap(value).putLong(SENT_AT, System.nanoTime());
                producer.send(new ProducerRecord<>(topic, value));
            }
            producer.flush();
        }
    }

    static void consume(Properties props, String topic, int records, double timeout) {
        props.put("key.deserializer", ByteArrayDeserializer.class.getName());
        props.put("value.deserializer", ByteArrayDeserializer.class.getName());
        props.put("enable.auto.commit", "false");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic)) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            System.out.println("READY");
            System.out.flush();
            double[] latencies = new double[records];
            int received = 0;
            long deadline = System.nanoTime() + (long) (timeout * 1e9);
            while (received < records && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    long now = System.nanoTime();
                    if (received < records && r.value()[MEASURED] == 1) {
                        latencies[received++] = (now - ByteBuffer.wrap(r.value()).getLong(SENT_AT)) / 1e6;
                    }
                }
            }
            double[] measured = Arrays.copyOfRange(latencies, 0, received);
            Arrays.sort(measured);
            System.out.printf("%.2f %.2f %.2f %d%n", percentile(measured, 50), percentile(measured, 99),
                    measured.length > 0 ? measured[measured.length - 1] : Double.NaN, received);
        }
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int index = (int) Math.ceil(p / 100 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }
}
