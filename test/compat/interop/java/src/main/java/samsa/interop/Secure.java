// The Java client (kafka-clients) over a secured listener: for each cell, a producer and a consumer built from a
// client properties file (security.protocol, sasl.*, ssl.* exactly as a user writes them, also usable as Kafka's
// tools' --command-config) produce COUNT records and read them back from the beginning.
//
//   Secure MODE BOOTSTRAP TOPIC COUNT PROPERTIES_FILE [MODE BOOTSTRAP TOPIC COUNT PROPERTIES_FILE ...]
//
// Prints one line per cell: `ok MODE produced N, consumed N` or `not ok MODE: DETAIL` (the exception chain),
// then exits 0 (test/compat/interop/security-matrix.test.ts reads the lines). The topic has one partition.
package samsa.interop;

import java.io.FileReader;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class Secure {
  public static void main(String[] args) {
    for (int i = 0; i + 4 < args.length; i += 5) {
      String mode = args[i];
      try {
        System.out.println("ok " + mode + " " + cell(mode, args[i + 1], args[i + 2], Integer.parseInt(args[i + 3]), args[i + 4]));
      } catch (Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = e; c != null && sb.length() < 1200; c = c.getCause()) sb.append(c.getClass().getName()).append(": ").append(c.getMessage()).append(" <- ");
        System.out.println("not ok " + mode + ": " + sb.toString().replace('\n', ' '));
      }
      System.out.flush();
    }
    System.exit(0);
  }

  static Properties load(String file, String bootstrap) throws IOException {
    Properties p = new Properties();
    try (FileReader r = new FileReader(file)) { p.load(r); }
    p.put("bootstrap.servers", bootstrap);
    p.put("request.timeout.ms", "15000");
    p.put("default.api.timeout.ms", "20000");
    return p;
  }

  static String cell(String mode, String bootstrap, String topic, int count, String file) throws Exception {
    Properties pp = load(file, bootstrap);
    pp.put("key.serializer", StringSerializer.class.getName());
    pp.put("value.serializer", StringSerializer.class.getName());
    pp.put("acks", "all");
    pp.put("max.block.ms", "15000");
    pp.put("delivery.timeout.ms", "20000");
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
      List<Future<RecordMetadata>> sent = new ArrayList<>();
      for (int i = 0; i < count; i++) sent.add(producer.send(new ProducerRecord<>(topic, "k-" + i, mode + "-value-" + i)));
      producer.flush();
      for (Future<RecordMetadata> f : sent) f.get();
    }
    Properties cp = load(file, bootstrap);
    cp.put("key.deserializer", StringDeserializer.class.getName());
    cp.put("value.deserializer", StringDeserializer.class.getName());
    cp.put("enable.auto.commit", "false");
    List<String> values = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp)) {
      TopicPartition tp = new TopicPartition(topic, 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.currentTimeMillis() + 20_000;
      while (values.size() < count && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(500))) values.add(r.value());
      }
    }
    if (values.size() != count) throw new IllegalStateException("consumed " + values.size() + " of " + count + " records");
    for (int i = 0; i < count; i++) {
      if (!(mode + "-value-" + i).equals(values.get(i))) throw new IllegalStateException("record " + i + " is " + values.get(i));
    }
    return "produced " + count + ", consumed " + count;
  }
}
