// Hand-written wire bytes, written from the Kafka protocol guide (kafka.apache.org/protocol) rather than from
// the generator: request/response headers v0-v2, ApiVersions (classic and flexible, KIP-511), Metadata
// with null topics, a flexible Fetch v12, nullable structs, tagged fields known and unknown, and the
// embedded consumer protocol. Each test decodes the bytes and checks that encoding gives them back.
import t from 'tap'
import { Reader, ProtocolDecodeError } from '../../../src/protocol/primitives/reader.js'
import { decodeRequestHeader, encodeRequestHeader } from '../../../src/protocol/generated/messages/request-header.js'
import { decodeResponseHeader, encodeResponseHeader } from '../../../src/protocol/generated/messages/response-header.js'
import { decodeApiVersionsRequest, encodeApiVersionsRequest } from '../../../src/protocol/generated/messages/api-versions-request.js'
import { decodeApiVersionsResponse, encodeApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions-response.js'
import { decodeMetadataRequest, encodeMetadataRequest } from '../../../src/protocol/generated/messages/metadata-request.js'
import { decodeFetchRequest, encodeFetchRequest, type FetchRequest } from '../../../src/protocol/generated/messages/fetch-request.js'
import { decodeDescribeTopicPartitionsResponse, encodeDescribeTopicPartitionsResponse } from '../../../src/protocol/generated/messages/describe-topic-partitions-response.js'
import { decodeConsumerProtocolSubscription, encodeConsumerProtocolSubscription } from '../../../src/protocol/generated/messages/consumer-protocol-subscription.js'
import { decodeOffsetCommitValue, encodeOffsetCommitValue } from '../../../src/protocol/generated/messages/offset-commit-value.js'
import { API_SPECS, ApiKey } from '../../../src/protocol/generated/api-registry.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')
const str = (s: string): string => Buffer.from(s).toString('hex')

t.test('api_versions_request_v3_1: header v2 with classic client id, compact body strings', async t => {
  // header: api_key=18, api_version=3, correlation_id=1, client_id (int16 string even in v2), no tags
  // body: client_software_name="apache-kafka-java", client_software_version="3.9.0", no tags
  const bytes = hex(`0012 0003 00000001 000d ${str('adminclient-1')} 00
                     12 ${str('apache-kafka-java')} 06 ${str('3.9.0')} 00`)
  const r = new Reader(bytes)
  const header = decodeRequestHeader(r, 2)
  t.strictSame(header, { requestApiKey: 18, requestApiVersion: 3, correlationId: 1, clientId: 'adminclient-1' })
  const body = decodeApiVersionsRequest(r, 3)
  t.strictSame(body, { clientSoftwareName: 'apache-kafka-java', clientSoftwareVersion: '3.9.0' })
  t.equal(r.remaining(), 0)
  t.ok(Buffer.concat([encodeRequestHeader(2, header), encodeApiVersionsRequest(3, body)]).equals(bytes))
})

t.test('request header v0 has no client id, v1 a nullable one', async t => {
  const v0 = hex('0007 0000 0000002a')
  t.strictSame(decodeRequestHeader(new Reader(v0), 0), { requestApiKey: 7, requestApiVersion: 0, correlationId: 42, clientId: null })
  const v1 = hex('0003 0001 0000002a ffff')
  t.strictSame(decodeRequestHeader(new Reader(v1), 1), { requestApiKey: 3, requestApiVersion: 1, correlationId: 42, clientId: null })
  t.ok(encodeRequestHeader(1, { requestApiKey: 3, requestApiVersion: 1, correlationId: 42, clientId: null }).equals(v1))
})

t.test('response headers: v0 correlation id only, v1 adds a tag section', async t => {
  t.ok(encodeResponseHeader(0, { correlationId: 5 }).equals(hex('00000005')))
  t.ok(encodeResponseHeader(1, { correlationId: 5 }).equals(hex('00000005 00')))
  t.strictSame(decodeResponseHeader(new Reader(hex('00000005 00')), 1), { correlationId: 5 })
})

t.test('api_versions_response_v0_1: classic arrays', async t => {
  // error_code=0, api_keys=[{0,0,9},{18,0,3}]
  const bytes = hex('0000 00000002 0000 0000 0009 0012 0000 0003')
  const res = decodeApiVersionsResponse(new Reader(bytes), 0)
  t.equal(res.errorCode, 0)
  t.strictSame(res.apiKeys, [{ apiKey: 0, minVersion: 0, maxVersion: 9 }, { apiKey: 18, minVersion: 0, maxVersion: 3 }])
  t.equal(res.throttleTimeMs, 0, 'absent in v0: default')
  t.ok(encodeApiVersionsResponse(0, res).equals(bytes))
})

t.test('api_versions_response_v3_1: compact arrays, tagged fields in order', async t => {
  // error_code=0, api_keys compact [ {18,0,4,tags 0} ], throttle_time_ms=0,
  // tags: 1 field: tag 1 (FinalizedFeaturesEpoch) size 8 = 7
  const bytes = hex('0000 02 0012 0000 0004 00 00000000 01 01 08 0000000000000007')
  const res = decodeApiVersionsResponse(new Reader(bytes), 3)
  t.strictSame(res.apiKeys, [{ apiKey: 18, minVersion: 0, maxVersion: 4 }])
  t.equal(res.finalizedFeaturesEpoch, 7n)
  t.strictSame(res.supportedFeatures, [], 'absent tag: default')
  t.equal(res.zkMigrationReady, false)
  t.ok(encodeApiVersionsResponse(3, res).equals(bytes), 'default-valued tags are not written')
})

t.test('ApiVersions: response header is always v0 (KIP-511), requests follow flexibility', async t => {
  const spec = API_SPECS.get(ApiKey.ApiVersions)!
  t.equal(spec.responseHeaderVersion(3), 0)
  t.equal(spec.requestHeaderVersion(3), 2)
  t.equal(spec.requestHeaderVersion(2), 1)
  t.equal(spec.flexibleVersionsFrom, 3)
  const fetch = API_SPECS.get(ApiKey.Fetch)!
  t.equal(fetch.responseHeaderVersion(12), 1)
  t.equal(fetch.responseHeaderVersion(11), 0)
  t.equal(fetch.maxVersion, 17)
  t.equal(API_SPECS.get(ApiKey.ListOffsets)!.maxVersion, 9, 'ListOffsets v9 is stable in 3.9')
  t.equal(API_SPECS.get(ApiKey.ShareFetch), undefined, 'an API whose only version is unstable is not served')
  for (const spec of API_SPECS.values()) t.ok(spec.maxVersion >= spec.minVersion, `${spec.name}: ${spec.minVersion}-${spec.maxVersion}`)
  t.equal(API_SPECS.get(ApiKey.Produce)!.flexibleVersionsFrom, 9)
})

t.test('metadata_request_v1_1: null topics means all topics', async t => {
  const bytes = hex('ffffffff')
  const req = decodeMetadataRequest(new Reader(bytes), 1)
  t.equal(req.topics, null)
  t.equal(req.allowAutoTopicCreation, true, 'absent in v1: spec default true')
  t.ok(encodeMetadataRequest(1, req).equals(bytes))
  t.ok(encodeMetadataRequest(4, { ...req, allowAutoTopicCreation: false }).equals(hex('ffffffff 00')))
  t.throws(() => decodeMetadataRequest(new Reader(bytes), 0), ProtocolDecodeError, 'v0 topics are not nullable')
})

t.test('metadata_request_v0_1: topic names', async t => {
  const bytes = hex(`00000001 0003 ${str('foo')}`)
  const req = decodeMetadataRequest(new Reader(bytes), 0)
  t.strictSame(req.topics, [{ name: 'foo', topicId: '00000000-0000-0000-0000-000000000000' }])
  t.ok(encodeMetadataRequest(0, req).equals(bytes))
})

const FETCH_V12_BODY = `ffffffff 000001f4 00000001 00100000 00 00000000 ffffffff
  02 04 ${str('foo')} 02 00000000 ffffffff 0000000000000005 ffffffff ffffffffffffffff 00100000 00 00
  01 01`

t.test('fetch_request_v12_1: flexible header and body', async t => {
  // header v2: api_key=1, api_version=12, correlation_id=7, client_id="c", no tags
  const bytes = hex(`0001 000c 00000007 0001 ${str('c')} 00 ${FETCH_V12_BODY} 00`)
  const r = new Reader(bytes)
  const header = decodeRequestHeader(r, API_SPECS.get(ApiKey.Fetch)!.requestHeaderVersion(12))
  t.strictSame(header, { requestApiKey: 1, requestApiVersion: 12, correlationId: 7, clientId: 'c' })
  const req = decodeFetchRequest(r, 12)
  t.equal(r.remaining(), 0)
  t.equal(req.replicaId, -1)
  t.equal(req.maxWaitMs, 500)
  t.equal(req.minBytes, 1)
  t.equal(req.maxBytes, 1048576)
  t.equal(req.sessionEpoch, -1)
  t.equal(req.clusterId, null)
  t.equal(req.rackId, '')
  t.strictSame(req.forgottenTopicsData, [])
  t.strictSame(req.topics, [{
    topic: 'foo',
    topicId: '00000000-0000-0000-0000-000000000000',
    partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 5n, lastFetchedEpoch: -1, logStartOffset: -1n, partitionMaxBytes: 1048576, replicaDirectoryId: '00000000-0000-0000-0000-000000000000' }]
  }])
  t.ok(Buffer.concat([encodeRequestHeader(2, header), encodeFetchRequest(12, req)]).equals(bytes))
})

t.test('fetch_request_v12_2: a known tag is decoded, an unknown tag is skipped', async t => {
  // top-level tags: tag 0 (ClusterId) compact string "cl", tag 9 unknown with 3 bytes
  const bytes = hex(`${FETCH_V12_BODY} 02 00 03 03 ${str('cl')} 09 03 aabbcc`)
  const r = new Reader(bytes)
  const req = decodeFetchRequest(r, 12)
  t.equal(r.remaining(), 0, 'the unknown tag was skipped')
  t.equal(req.clusterId, 'cl')
  t.ok(encodeFetchRequest(12, req).equals(hex(`${FETCH_V12_BODY} 01 00 03 03 ${str('cl')}`)), 'unknown tags are not re-emitted')
})

t.test('fetch_request_v15_1: tagged struct ReplicaState written only when not default', async t => {
  const base = decodeFetchRequest(new Reader(hex(`${FETCH_V12_BODY} 00`)), 12)
  const req: FetchRequest = { ...base, topics: [] }
  const plain = encodeFetchRequest(15, req)
  t.equal(plain[plain.length - 1], 0, 'no tags')
  const withState = encodeFetchRequest(15, { ...req, replicaState: { replicaId: 3, replicaEpoch: 9n } })
  // tag 1, size 4 + 8 + 1 (its own empty tag section)
  t.ok(withState.subarray(withState.length - 16).equals(hex('01 01 0d 00000003 0000000000000009 00')))
  t.strictSame(decodeFetchRequest(new Reader(withState), 15).replicaState, { replicaId: 3, replicaEpoch: 9n })
  t.strictSame(decodeFetchRequest(new Reader(plain), 15).replicaState, { replicaId: -1, replicaEpoch: -1n }, 'absent tag: default struct')
})

t.test('truncated tagged field throws ProtocolDecodeError', async t => {
  t.throws(() => decodeFetchRequest(new Reader(hex(`${FETCH_V12_BODY} 01 09 05 aabb`)), 12), ProtocolDecodeError)
})

t.test('describe_topic_partitions_response_v0_1: nullable struct presence byte', async t => {
  const nullCursor = hex('00000000 01 ff 00')
  const res = decodeDescribeTopicPartitionsResponse(new Reader(nullCursor), 0)
  t.equal(res.nextCursor, null)
  t.ok(encodeDescribeTopicPartitionsResponse(0, res).equals(nullCursor))
  const withCursor = hex(`00000000 01 01 04 ${str('foo')} 00000002 00 00`)
  const res2 = decodeDescribeTopicPartitionsResponse(new Reader(withCursor), 0)
  t.strictSame(res2.nextCursor, { topicName: 'foo', partitionIndex: 2 })
  t.ok(encodeDescribeTopicPartitionsResponse(0, res2).equals(withCursor))
})

t.test('consumer_protocol_subscription_v0_1: classic encoding as kafkajs sends it', async t => {
  const bytes = hex(`00000001 0005 ${str('topic')} ffffffff`)
  const sub = decodeConsumerProtocolSubscription(new Reader(bytes), 0)
  t.strictSame(sub, { topics: ['topic'], userData: null, ownedPartitions: [], generationId: -1, rackId: null })
  t.ok(encodeConsumerProtocolSubscription(0, sub).equals(bytes))
})

t.test('offset_commit_value_v3_1: __consumer_offsets value schema', async t => {
  const bytes = hex(`000000000000000a 00000002 0002 ${str('md')} 0000018f00000000`)
  const v = decodeOffsetCommitValue(new Reader(bytes), 3)
  t.strictSame(v, { offset: 10n, leaderEpoch: 2, metadata: 'md', commitTimestamp: 0x18f00000000n, expireTimestamp: -1n })
  t.ok(encodeOffsetCommitValue(3, v).equals(bytes))
})
