// The Java client (kafka-clients) with its defaults against a broker: each subcommand runs one scenario and
// prints one line per check, `ok NAME` or `not ok NAME: DETAIL`, plus `info KEY VALUE` (KEY without spaces) lines the test reads
// (test/compat/interop/java.test.ts turns every line into an assertion). Exit code 0 unless it crashed.
//
//   admin BOOTSTRAP                         AdminClient: cluster, create/describe/alter/delete topics, configs
//   create-topic BOOTSTRAP TOPIC PARTITIONS
//   produce BOOTSTRAP TOPIC COUNT [CODEC]   default (idempotent, acks=all) producer, keyed records
//   order BOOTSTRAP PREFIX TOPICS COUNT BATCH_BYTES
//                                           one default producer sends COUNT records in small batches to each of
//                                           TOPICS fresh topics PREFIX-i, several requests in flight at once:
//                                           stored in send order, with no retry
//   consume-from BOOTSTRAP TOPIC PARTITION OFFSET EXPECTED
//                                           assign + seek, read EXPECTED records from OFFSET
//   group BOOTSTRAP TOPIC GROUP             two consumers in a group read everything, commit, close; the
//                                           committed offsets seen by AdminClient; a restarted member
//                                           resumes from them
//   txn BOOTSTRAP TOPIC GROUP               transactional producer: commit, abort, consume-transform-produce
//                                           with sendOffsetsToTransaction; read_committed vs read_uncommitted
//                                           consumers and ListOffsets; describe/list transactions; fencing
package samsa.interop;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.ListOffsetsResult;
import org.apache.kafka.clients.admin.NewPartitions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.ConsumerGroupState;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

public final class Interop {
  private static int failures = 0;

  private static void check (String name, boolean ok, Object detail) {
    if (ok) {
      System.out.println("ok " + name);
    } else {
      failures++;
      System.out.println("not ok " + name + ": " + String.valueOf(detail).replace('\n', ' '));
    }
    System.out.flush();
  }

  private static void info (String key, Object value) {
    System.out.println("info " + key + " " + String.valueOf(value).replace('\n', ' '));
    System.out.flush();
  }

  public static void main (String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: Interop admin|produce|consume-from|group BOOTSTRAP ...");
      System.exit(2);
    }
    String boot = args[1];
    switch (args[0]) {
      case "admin": admin(boot); break;
      case "create-topic": createTopic(boot, args[2], Integer.parseInt(args[3])); break;
      case "produce": produce(boot, args[2], Integer.parseInt(args[3]), args.length > 4 ? args[4] : null); break;
      case "order": order(boot, args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5])); break;
      case "consume-from": consumeFrom(boot, args[2], Integer.parseInt(args[3]), Long.parseLong(args[4]), Integer.parseInt(args[5])); break;
      case "group": group(boot, args[2], args[3]); break;
      case "txn": txn(boot, args[2], args[3]); break;
      default: System.err.println("unknown command " + args[0]); System.exit(2);
    }
    System.out.println("done " + failures + " failed");
  }

  private static Admin adminClient (String boot) {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, boot);
    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30000);
    return Admin.create(p);
  }

  // ---------------------------------------------------------------- AdminClient
  static void admin (String boot) throws Exception {
    try (Admin admin = adminClient(boot)) {
      DescribeClusterResult cluster = admin.describeCluster();
      Collection<Node> nodes = cluster.nodes().get();
      Node controller = cluster.controller().get();
      String clusterId = cluster.clusterId().get();
      check("describeCluster lists one node", nodes.size() == 1, nodes);
      check("controller is that node", controller != null && nodes.iterator().next().id() == controller.id(), controller);
      check("clusterId is set", clusterId != null && !clusterId.isEmpty(), clusterId);
      info("clusterId", clusterId);

      String topic = "java-admin";
      NewTopic nt = new NewTopic(topic, 3, (short) 1).configs(Map.of("retention.ms", "3600000", "cleanup.policy", "delete"));
      admin.createTopics(List.of(nt)).all().get();
      check("createTopics with 3 partitions and configs", true, "");
      try {
        admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get();
        check("creating it again fails with TopicExistsException", false, "no error");
      } catch (ExecutionException e) {
        check("creating it again fails with TopicExistsException", e.getCause() instanceof TopicExistsException, e.getCause());
      }
      // Defaults: partitions and replication factor left to the broker.
      admin.createTopics(List.of(new NewTopic("java-admin-defaults", Optional.empty(), Optional.empty()))).all().get();
      check("createTopics with broker defaults", true, "");

      Set<String> names = admin.listTopics().names().get();
      check("listTopics includes both", names.contains(topic) && names.contains("java-admin-defaults"), names);

      TopicDescription d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      check("describeTopics: 3 partitions", d.partitions().size() == 3, d);
      check("describeTopics: leader is the node, one replica in ISR",
        d.partitions().stream().allMatch(p -> p.leader() != null && p.leader().id() == controller.id() && p.replicas().size() == 1 && p.isr().size() == 1), d);
      check("describeTopics: topic id is set", d.topicId() != null && !d.topicId().toString().equals("AAAAAAAAAAAAAAAAAAAAAA"), d.topicId());

      ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, topic);
      Config cfg = admin.describeConfigs(List.of(res)).all().get().get(res);
      ConfigEntry ret = cfg.get("retention.ms");
      check("describeConfigs: retention.ms override", ret != null && "3600000".equals(ret.value()) && ret.source() == ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, ret);
      ConfigEntry seg = cfg.get("segment.bytes");
      check("describeConfigs: segment.bytes has a default", seg != null && seg.value() != null && seg.source() != ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, seg);
      info("topicConfigs", cfg.entries().size());

      admin.incrementalAlterConfigs(Map.of(res, List.of(
        new AlterConfigOp(new ConfigEntry("retention.ms", "7200000"), AlterConfigOp.OpType.SET),
        new AlterConfigOp(new ConfigEntry("cleanup.policy", ""), AlterConfigOp.OpType.DELETE)))).all().get();
      cfg = admin.describeConfigs(List.of(res)).all().get().get(res);
      check("incrementalAlterConfigs SET retention.ms", "7200000".equals(cfg.get("retention.ms").value()), cfg.get("retention.ms"));
      check("incrementalAlterConfigs DELETE cleanup.policy back to default",
        cfg.get("cleanup.policy").source() != ConfigEntry.ConfigSource.DYNAMIC_TOPIC_CONFIG, cfg.get("cleanup.policy"));

      ConfigResource brokerRes = new ConfigResource(ConfigResource.Type.BROKER, String.valueOf(controller.id()));
      Config bcfg = admin.describeConfigs(List.of(brokerRes)).all().get().get(brokerRes);
      check("describeConfigs of the broker lists num.partitions", bcfg.get("num.partitions") != null, bcfg.entries().size());

      admin.createPartitions(Map.of(topic, NewPartitions.increaseTo(5))).all().get();
      d = admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic);
      check("createPartitions increases to 5", d.partitions().size() == 5, d.partitions().size());

      Map<TopicPartition, OffsetSpec> specs = new HashMap<>();
      for (int i = 0; i < 5; i++) specs.put(new TopicPartition(topic, i), OffsetSpec.latest());
      Map<TopicPartition, ListOffsetsResult.ListOffsetsResultInfo> offs = admin.listOffsets(specs).all().get();
      check("listOffsets latest on an empty topic is 0 everywhere", offs.size() == 5 && offs.values().stream().allMatch(o -> o.offset() == 0), offs);

      admin.deleteTopics(List.of(topic, "java-admin-defaults")).all().get();
      boolean gone = false;
      for (int i = 0; i < 50 && !gone; i++) {
        Set<String> now = admin.listTopics().names().get();
        gone = !now.contains(topic) && !now.contains("java-admin-defaults");
        if (!gone) Thread.sleep(100);
      }
      check("deleteTopics removes both", gone, "");
    }
  }

  static void createTopic (String boot, String topic, int partitions) throws Exception {
    try (Admin admin = adminClient(boot)) {
      admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1))).all().get();
      check("created " + topic + " with " + partitions + " partitions", true, "");
    }
  }

  // ---------------------------------------------------------------- producer
  static void produce (String boot, String topic, int count, String codec) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, boot);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    if (codec != null && !codec.equals("none")) p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, codec);
    // Everything else default: enable.idempotence=true, acks=all, max.in.flight=5, linger.ms=5 (3.9).
    long t0 = System.nanoTime();
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      List<Future<RecordMetadata>> futures = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ProducerRecord<String, String> r = new ProducerRecord<>(topic, "key-" + i, "value-" + i);
        r.headers().add("h", ("header-" + i).getBytes());
        futures.add(producer.send(r));
      }
      producer.flush();
      Map<Integer, List<Long>> offsets = new HashMap<>();
      int errors = 0;
      String firstError = null;
      for (Future<RecordMetadata> f : futures) {
        try {
          RecordMetadata md = f.get();
          offsets.computeIfAbsent(md.partition(), k -> new ArrayList<>()).add(md.offset());
        } catch (ExecutionException e) {
          errors++;
          if (firstError == null) firstError = e.getCause().toString();
        }
      }
      check("every send acknowledged (" + count + ")", errors == 0, errors + " errors, first: " + firstError);
      boolean contiguous = true;
      for (Map.Entry<Integer, List<Long>> e : offsets.entrySet()) {
        List<Long> l = e.getValue();
        for (int i = 0; i < l.size(); i++) if (l.get(i) != l.get(0) + i) contiguous = false;
        info("partition-" + e.getKey() + "-records", l.size());
      }
      check("offsets per partition consecutive in send order (no duplicates, no gaps)", contiguous, offsets);
      Object idem = producer.metrics().entrySet().stream()
        .filter(e -> e.getKey().name().equals("record-error-total")).map(e -> e.getValue().metricValue()).findFirst().orElse(null);
      info("record-error-total", idem);
    }
    info("produce-ms", (System.nanoTime() - t0) / 1_000_000);
  }

  // One producer for all topics. Before each topic, the producer's I/O thread is held in the completion
  // callback of a record to a warm-up topic while COUNT records to the fresh topic pile up in full batches;
  // released, it sends them back to back, up to max.in.flight.requests.per.connection (5) requests at once.
  static void order (String boot, String prefix, int topics, int count, int batchBytes) throws Exception {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, boot);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.BATCH_SIZE_CONFIG, batchBytes);
    p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
    try (Admin admin = adminClient(boot)) {
      List<NewTopic> nts = new ArrayList<>();
      nts.add(new NewTopic(prefix + "-warm", 1, (short) 1));
      for (int i = 0; i < topics; i++) nts.add(new NewTopic(prefix + "-" + i, 1, (short) 1));
      admin.createTopics(nts).all().get();
    }
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(p)) {
      producer.send(new ProducerRecord<>(prefix + "-warm", "warm")).get();
      for (int t = 0; t < topics; t++) {
        String topic = prefix + "-" + t;
        producer.partitionsFor(topic);
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        producer.send(new ProducerRecord<>(prefix + "-warm", "hold"), (md, e) -> {
          held.countDown();
          try { release.await(); } catch (InterruptedException ie) { Thread.currentThread().interrupt(); }
        });
        held.await();
        List<Future<RecordMetadata>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) futures.add(producer.send(new ProducerRecord<>(topic, 0, null, "value-" + i)));
        release.countDown();
        producer.flush();
        List<String> errors = new ArrayList<>();
        for (Future<RecordMetadata> f : futures) {
          try { f.get(); } catch (ExecutionException e) { errors.add(e.getCause().toString()); }
        }
        check(topic + ": every send acknowledged", errors.isEmpty(), errors.size() + " errors, first: " + (errors.isEmpty() ? "" : errors.get(0)));
      }
      double retries = producer.metrics().entrySet().stream().filter(e -> e.getKey().name().equals("record-retry-total"))
        .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
      check("no retries (record-retry-total 0)", retries == 0, retries);
    }
    for (int t = 0; t < topics; t++) {
      String topic = prefix + "-" + t;
      List<String> got = new ArrayList<>();
      try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(boot, null))) {
        TopicPartition tp = new TopicPartition(topic, 0);
        c.assign(List.of(tp));
        c.seekToBeginning(List.of(tp));
        long deadline = System.currentTimeMillis() + 30000;
        while (got.size() < count && System.currentTimeMillis() < deadline) {
          for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(300))) got.add(r.offset() + "=" + r.value());
        }
      }
      int firstWrong = -1;
      for (int i = 0; i < count && firstWrong < 0; i++) if (i >= got.size() || !got.get(i).equals(i + "=value-" + i)) firstWrong = i;
      check(topic + ": stored in send order (offset i holds value-i)", firstWrong < 0 && got.size() == count,
        firstWrong < 0 ? got.size() + " records" : "offset " + firstWrong + " holds " + (firstWrong < got.size() ? got.get(firstWrong) : "nothing")
          + "; first 8: " + got.subList(0, Math.min(8, got.size())));
    }
  }

  private static Properties consumerProps (String boot, String group) {
    Properties p = new Properties();
    p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, boot);
    p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    if (group != null) {
      p.put(ConsumerConfig.GROUP_ID_CONFIG, group);
      p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
      p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    }
    return p;
  }

  // ---------------------------------------------------------------- consumer from an offset
  static void consumeFrom (String boot, String topic, int partition, long offset, int expected) {
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(boot, null))) {
      TopicPartition tp = new TopicPartition(topic, partition);
      c.assign(List.of(tp));
      c.seek(tp, offset);
      List<ConsumerRecord<String, String>> got = new ArrayList<>();
      long deadline = System.currentTimeMillis() + 30000;
      while (got.size() < expected && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(500))) got.add(r);
      }
      if (got.size() > expected) got = got.subList(0, expected);
      check("read " + expected + " records from offset " + offset, got.size() == expected, got.size());
      if (got.isEmpty()) return;
      check("first record is at offset " + offset, got.get(0).offset() == offset, got.get(0).offset());
      boolean seq = true;
      for (int i = 0; i < got.size(); i++) if (got.get(i).offset() != offset + i) seq = false;
      check("offsets consecutive", seq, "");
      ConsumerRecord<String, String> first = got.get(0);
      Header h = first.headers().lastHeader("h");
      info("first", first.key() + "=" + first.value() + " h=" + (h == null ? null : new String(h.value())) + " ts=" + first.timestamp());
      info("last", got.get(got.size() - 1).key() + "=" + got.get(got.size() - 1).value());
      Map<TopicPartition, Long> end = c.endOffsets(List.of(tp));
      Map<TopicPartition, Long> beg = c.beginningOffsets(List.of(tp));
      info("beginning", beg.get(tp));
      info("end", end.get(tp));
      Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndTimestamp> byTime = c.offsetsForTimes(Map.of(tp, first.timestamp()));
      check("offsetsForTimes(first timestamp) <= first offset", byTime.get(tp) != null && byTime.get(tp).offset() <= offset, byTime);
    }
  }

  // ---------------------------------------------------------------- consumer group with commits
  static void group (String boot, String topic, String group) throws Exception {
    long total;
    List<TopicPartition> partitions = new ArrayList<>();
    Map<TopicPartition, Long> ends;
    try (KafkaConsumer<String, String> probe = new KafkaConsumer<>(consumerProps(boot, null))) {
      probe.partitionsFor(topic).forEach(pi -> partitions.add(new TopicPartition(topic, pi.partition())));
      ends = probe.endOffsets(partitions);
      total = ends.values().stream().mapToLong(Long::longValue).sum();
    }
    info("partitions", partitions.size());
    info("records", total);

    Set<String> seen = ConcurrentHashMap.newKeySet();
    AtomicInteger duplicates = new AtomicInteger();
    AtomicBoolean stop = new AtomicBoolean(false);
    Map<String, Set<TopicPartition>> assignments = new ConcurrentHashMap<>();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    for (int m = 0; m < 2; m++) {
      final String name = "member-" + m;
      Thread th = new Thread(() -> {
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(boot, group))) {
          c.subscribe(List.of(topic));
          long deadline = System.currentTimeMillis() + 60000;
          while (!stop.get() && System.currentTimeMillis() < deadline) {
            ConsumerRecords<String, String> rs = c.poll(Duration.ofMillis(200));
            for (ConsumerRecord<String, String> r : rs) {
              if (!seen.add(r.partition() + "/" + r.offset())) duplicates.incrementAndGet();
            }
            if (!rs.isEmpty()) c.commitSync();
            assignments.put(name, new HashSet<>(c.assignment()));
            // Stop once everything is read and both members hold part of the topic.
            if (seen.size() >= total && assignments.size() == 2 && assignments.values().stream().noneMatch(Set::isEmpty)) stop.set(true);
          }
          c.commitSync();
        } catch (Throwable e) {
          errors.add(e);
          stop.set(true);
        }
      }, name);
      threads.add(th);
      th.start();
      Thread.sleep(m == 0 ? 0 : 1000);
    }
    for (Thread th : threads) th.join();
    check("no consumer errors", errors.isEmpty(), errors);
    check("the group read every record (" + total + ")", seen.size() == total, seen.size());
    check("no record delivered twice to the group", duplicates.get() == 0, duplicates.get());
    Set<TopicPartition> union = new HashSet<>();
    int overlap = 0;
    for (Set<TopicPartition> s : assignments.values()) for (TopicPartition tp : s) if (!union.add(tp)) overlap++;
    check("both members were assigned partitions, disjointly", assignments.size() == 2 && assignments.values().stream().noneMatch(Set::isEmpty) && overlap == 0, assignments);

    try (Admin admin = adminClient(boot)) {
      Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
      boolean match = partitions.stream().allMatch(tp -> committed.get(tp) != null && committed.get(tp).offset() == ends.get(tp));
      check("committed offsets (AdminClient) equal the end offsets", match, committed + " vs " + ends);
      Collection<ConsumerGroupListing> groups = admin.listConsumerGroups().all().get();
      check("listConsumerGroups includes the group", groups.stream().anyMatch(g -> g.groupId().equals(group)), groups);
      ConsumerGroupDescription gd = admin.describeConsumerGroups(List.of(group)).all().get().get(group);
      check("describeConsumerGroups: Empty after both left", gd.state() == ConsumerGroupState.EMPTY && gd.members().isEmpty(), gd);
      info("assignor", gd.partitionAssignor());
    }

    // Five more records, then one member of the same group resumes from the commits: it sees only those.
    Properties pp = new Properties();
    pp.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, boot);
    pp.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    pp.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(pp)) {
      for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>(topic, "after-" + i, "after-" + i)).get();
    }
    List<String> resumed = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(consumerProps(boot, group))) {
      c.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 30000;
      while (resumed.size() < 5 && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(300))) resumed.add(r.value());
      }
      // Poll a little longer: nothing older may show up.
      for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(1000))) resumed.add(r.value());
      c.commitSync();
    }
    Collections.sort(resumed);
    check("a restarted member resumes from the committed offsets (only the 5 new records)",
      resumed.equals(List.of("after-0", "after-1", "after-2", "after-3", "after-4")), resumed);
  }

  // ---------------------------------------------------------------- transactions
  private static KafkaProducer<String, String> txnProducer (String boot, String id) {
    Properties p = new Properties();
    p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, boot);
    p.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
    p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
    return new KafkaProducer<>(p);
  }

  private static List<String> readAll (String boot, String topic, String isolation, int expected) {
    Properties p = consumerProps(boot, "reader-" + isolation + "-" + System.nanoTime());
    p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
    p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> c = new KafkaConsumer<>(p)) {
      c.subscribe(List.of(topic));
      long deadline = System.currentTimeMillis() + 20000;
      while (out.size() < expected && System.currentTimeMillis() < deadline) {
        for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(300))) out.add(r.value());
      }
      for (ConsumerRecord<String, String> r : c.poll(Duration.ofMillis(1000))) out.add(r.value());
    }
    Collections.sort(out);
    return out;
  }

  static void txn (String boot, String topic, String group) throws Exception {
    try (Admin admin = adminClient(boot)) {
      admin.createTopics(List.of(new NewTopic(topic, 2, (short) 1))).all().get();
    }
    TopicPartition tp0 = new TopicPartition(topic, 0);
    try (KafkaProducer<String, String> producer = txnProducer(boot, "java-txn")) {
      producer.initTransactions();
      check("initTransactions", true, "");
      producer.beginTransaction();
      for (int i = 0; i < 10; i++) producer.send(new ProducerRecord<>(topic, "k" + i, "committed-" + i));
      producer.commitTransaction();
      check("commitTransaction", true, "");
      producer.beginTransaction();
      for (int i = 0; i < 5; i++) producer.send(new ProducerRecord<>(topic, "k" + i, "aborted-" + i));
      producer.flush();
      producer.abortTransaction();
      check("abortTransaction", true, "");

      // consume-transform-produce: the group's offset commits with the transaction
      producer.beginTransaction();
      producer.send(new ProducerRecord<>(topic, 0, "k", "eos-output")).get();
      Map<TopicPartition, OffsetAndMetadata> offs = Map.of(tp0, new OffsetAndMetadata(7L, "eos"));
      producer.sendOffsetsToTransaction(offs, new org.apache.kafka.clients.consumer.ConsumerGroupMetadata(group));
      try (Admin admin = adminClient(boot)) {
        Map<TopicPartition, OffsetAndMetadata> before = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        check("a transactional offset is invisible before the commit", before.get(tp0) == null, before);
        // an open transaction: ListOffsets read_committed stops at it, read_uncommitted does not
        long lso = admin.listOffsets(Map.of(tp0, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).partitionResult(tp0).get().offset();
        long hw = admin.listOffsets(Map.of(tp0, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).partitionResult(tp0).get().offset();
        check("ListOffsets: read_committed latest (" + lso + ") < read_uncommitted latest (" + hw + ") while a transaction is open", lso < hw, lso + " vs " + hw);
        TransactionDescription td = admin.describeTransactions(List.of("java-txn")).description("java-txn").get();
        check("describeTransactions: Ongoing, with the partition and the offsets partition", td.state().toString().equals("Ongoing") && td.topicPartitions().contains(tp0)
          && td.topicPartitions().stream().anyMatch(x -> x.topic().equals("__consumer_offsets")), td);
      }
      producer.commitTransaction();
      try (Admin admin = adminClient(boot)) {
        Map<TopicPartition, OffsetAndMetadata> after = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
        check("the transactional offset is committed with the transaction", after.get(tp0) != null && after.get(tp0).offset() == 7L && "eos".equals(after.get(tp0).metadata()), after);
        Collection<TransactionListing> listed = admin.listTransactions().all().get();
        check("listTransactions: java-txn CompleteCommit", listed.stream().anyMatch(l -> l.transactionalId().equals("java-txn") && l.state().toString().equals("CompleteCommit")), listed);
        long lso = admin.listOffsets(Map.of(tp0, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).partitionResult(tp0).get().offset();
        long hw = admin.listOffsets(Map.of(tp0, OffsetSpec.latest()), new ListOffsetsOptions(IsolationLevel.READ_UNCOMMITTED)).partitionResult(tp0).get().offset();
        check("after the commit read_committed latest = read_uncommitted latest", lso == hw, lso + " vs " + hw);
      }
    }
    List<String> committed = readAll(boot, topic, "read_committed", 11);
    List<String> expect = new ArrayList<>();
    for (int i = 0; i < 10; i++) expect.add("committed-" + i);
    expect.add("eos-output");
    Collections.sort(expect);
    check("read_committed consumer: committed records only", committed.equals(expect), committed);
    List<String> all = readAll(boot, topic, "read_uncommitted", 16);
    check("read_uncommitted consumer: the aborted records too (16)", all.size() == 16, all);

    // fencing: a new producer with the same transactional id fences the old one, whose open transaction aborts
    KafkaProducer<String, String> zombie = txnProducer(boot, "java-fence");
    zombie.initTransactions();
    zombie.beginTransaction();
    zombie.send(new ProducerRecord<>(topic, 1, "z", "zombie")).get();
    try (KafkaProducer<String, String> fresh = txnProducer(boot, "java-fence")) {
      fresh.initTransactions();
      fresh.beginTransaction();
      fresh.send(new ProducerRecord<>(topic, 1, "f", "fresh")).get();
      fresh.commitTransaction();
      try {
        zombie.commitTransaction();
        check("the fenced producer cannot commit", false, "commit succeeded");
      } catch (ProducerFencedException e) {
        check("the fenced producer cannot commit (ProducerFencedException)", true, "");
      } catch (Exception e) {
        check("the fenced producer cannot commit (ProducerFencedException)", e.getCause() instanceof ProducerFencedException || e instanceof org.apache.kafka.common.KafkaException, e);
      }
    } finally {
      try { zombie.close(Duration.ofSeconds(5)); } catch (Exception ignored) { }
    }
    List<String> after = readAll(boot, topic, "read_committed", 12);
    check("the zombie's record was aborted, the fresh one committed", after.contains("fresh") && !after.contains("zombie"), after);
  }
}
