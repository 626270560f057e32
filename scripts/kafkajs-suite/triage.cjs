// Triage of the failures seen when kafkajs v2.2.4's suite runs against one Samsa broker (see README.md).
// summarize.cjs groups failures by the first entry that matches (file prefix + optional full-name regex);
// a failure that matches nothing is printed as "untriaged" with its message, first. The evidence behind each
// entry (requests, responses, the reference Kafka's answer) is in README.md.
//
// kinds, most important first:
//   samsa-bug        Samsa answers differently from Apache Kafka (3.9.1, one KRaft node) for the same request
//   missing-feature  an API or feature a single Kafka broker has and Samsa does not implement (yet)
//   kafka-version    the test encodes Kafka 2.4 behaviour (kafkajs's CI broker) that Apache Kafka 3.x changed;
//                    the reference Kafka 3.9.1 fails the same way
//   timing           the test needs the broker to be slow (a request taking more than 1 ms); flaky on Kafka too
//   client           the failure is in kafkajs or its environment and never reaches the broker
'use strict'

const KINDS = ['samsa-bug', 'missing-feature', 'kafka-version', 'timing', 'client']

module.exports = [
  {
    kind: 'kafka-version',
    file: 'src/broker/__tests__/describeConfigs.spec.js',
    test: /returns all config entries/,
    title: 'DescribeConfigs (topic, all names): Kafka 3.x defaults differ from the 2.4 values the test expects',
    detail: 'Samsa answers as Kafka 3.9.1 does: message.format.version 3.0-IV1 (the test\'s regex allows only 0.11-2.4 values) ' +
      'and max.message.bytes 1048588 (Kafka 2.4: 1000012). The reference Kafka 3.9.1 fails this test the same way. ' +
      '(Until 2026-11-24 Samsa also capped long defaults at 2^53-1 and omitted three configs; both fixed.)'
  },
  {
    kind: 'samsa-bug',
    file: 'src/broker/__tests__/describeConfigs.spec.js',
    test: /describeConfigs request$/,
    title: 'DescribeConfigs (topic, includeSynonyms): retention.ms has a DEFAULT_CONFIG synonym log.retention.ms that Kafka does not report',
    detail: 'Samsa: configSynonyms [{log.retention.ms, 604800000, DEFAULT_CONFIG}]; Kafka: [] (log.retention.ms has no static ' +
      'default in Kafka, only log.retention.hours=168 does, and Kafka drops synonyms before the first one named like the ' +
      'broker synonym). (Kafka 3.9.1 also fails this test, only because its errorMessage is "" instead of null.)'
  },
  {
    kind: 'kafka-version',
    file: 'src/broker/__tests__/txnOffsetCommit.spec.js',
    test: /ignores invalid transaction fields/,
    title: 'TxnOffsetCommit with a producer id the transactional id does not own: Kafka 2.4 ignored it, Kafka 3.x refuses it',
    detail: 'Samsa answers INVALID_PRODUCER_ID_MAPPING, as Kafka 3.9.1 does (its transaction verification); the test expects ' +
      'Kafka 2.4\'s silent success. The reference Kafka 3.9.1 fails it the same way.'
  },
  {
    kind: 'missing-feature',
    file: 'src/',
    test: /transaction|Txn|InitProducerId request with transaction id|control batches|EndTxn/i,
    title: 'transactions (before 2026-11-24): InitProducerId with a transactionalId answered TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
    detail: 'Transactions are implemented since; a failure matching this entry is a regression.'
  },
  {
    kind: 'missing-feature',
    file: 'src/',
    test: /deleteTopicRecords|deleteRecords|earliest offset when it is greater than 0/,
    title: 'DeleteRecords (API 21) is not advertised in ApiVersions',
    detail: 'kafkajs throws KafkaJSServerDoesNotSupportApiKey before sending anything. "fetchOffsets ... earliest offset when ' +
      'it is greater than 0" uses admin.deleteTopicRecords to move the log start offset.'
  },
  {
    kind: 'missing-feature',
    file: 'src/admin/__tests__/alterPartitionReassignments.spec.js',
    title: 'AlterPartitionReassignments (API 45) is not advertised in ApiVersions',
    detail: 'Kafka answers UNKNOWN_TOPIC_OR_PARTITION for a partition of an unknown topic; kafkajs gets KafkaJSServerDoesNotSupportApiKey.'
  },
  {
    kind: 'kafka-version',
    file: 'src/broker/__tests__/',
    test: /OffsetCommit request|OffsetFetch request|Heartbeat request/,
    title: 'JoinGroup with rebalanceTimeout 0: the member is removed before its SyncGroup (UNKNOWN_MEMBER_ID)',
    detail: 'These tests call broker.joinGroup() without rebalanceTimeout, which kafkajs encodes as 0. Kafka >= 3.0 (like Samsa) ' +
      'expires members that have not sent SyncGroup within the group\'s rebalance timeout (GroupCoordinator.schedulePendingSync / ' +
      'DelayedSync), so a 0 ms deadline races the SyncGroup; Kafka 2.4 had no such deadline. The reference Kafka 3.9.1 fails them too.'
  },
  {
    kind: 'timing',
    file: 'src/',
    test: /emits (the )?request timeout event|respect the requestTimeout/,
    title: 'request-timeout tests that race kafkajs\'s timeout check against the broker\'s (too quick) answer',
    detail: 'Instrumentation "request timeout event" tests set requestTimeout = 1 ms and need some request to stay pending ' +
      'for more than 1 ms: against Samsa on loopback the non-long-poll requests answer in under 1 ms, so no timeout fires. ' +
      '"Connection #send respect the requestTimeout" delays processing of the response by 100 ms with a 50 ms timeout ' +
      'checked every 50 ms: the check at ~100 ms and the delayed processing race, the faster the broker the likelier the loss. ' +
      'Kafka 3.9.1 fails one or the other of these from run to run too.'
  },
  {
    kind: 'client',
    file: 'src/protocol/requests/produce/v2/request.spec.js',
    test: /gzip/,
    title: 'gzip fixture differs under Node 20\'s zlib',
    detail: 'A pure encoder test comparing gzip bytes with a fixture recorded on an older zlib; fails the same without any broker.'
  }
]
module.exports.KINDS = KINDS
