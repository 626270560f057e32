// The APIs this client speaks, each with the version range *we* implement and its generated codecs. A
// connection uses min(our max, the broker's max) for each API, as real clients do; an API whose ranges do not
// overlap, or that the broker does not list in ApiVersions, is an UnsupportedApiError naming it.
//
// Our minimum versions are the oldest ones still in Apache Kafka 3.x/4.x brokers that carry the fields this
// client relies on (RecordBatch v2 produce/fetch, null "all topics" metadata, one offset per ListOffsets
// partition, generation-aware commits). Only the codecs of these APIs are imported, to keep startup short.
import type { Reader } from '../protocol/primitives/reader.js'
import { encodeProduceRequest, type ProduceRequest } from '../protocol/generated/messages/produce-request.js'
import { decodeProduceResponse, type ProduceResponse } from '../protocol/generated/messages/produce-response.js'
import { encodeFetchRequest, type FetchRequest } from '../protocol/generated/messages/fetch-request.js'
import { decodeFetchResponse, type FetchResponse } from '../protocol/generated/messages/fetch-response.js'
import { encodeListOffsetsRequest, type ListOffsetsRequest } from '../protocol/generated/messages/list-offsets-request.js'
import { decodeListOffsetsResponse, type ListOffsetsResponse } from '../protocol/generated/messages/list-offsets-response.js'
import { encodeMetadataRequest, type MetadataRequest } from '../protocol/generated/messages/metadata-request.js'
import { decodeMetadataResponse, type MetadataResponse } from '../protocol/generated/messages/metadata-response.js'
import { encodeOffsetCommitRequest, type OffsetCommitRequest } from '../protocol/generated/messages/offset-commit-request.js'
import { decodeOffsetCommitResponse, type OffsetCommitResponse } from '../protocol/generated/messages/offset-commit-response.js'
import { encodeOffsetFetchRequest, type OffsetFetchRequest } from '../protocol/generated/messages/offset-fetch-request.js'
import { decodeOffsetFetchResponse, type OffsetFetchResponse } from '../protocol/generated/messages/offset-fetch-response.js'
import { encodeFindCoordinatorRequest, type FindCoordinatorRequest } from '../protocol/generated/messages/find-coordinator-request.js'
import { decodeFindCoordinatorResponse, type FindCoordinatorResponse } from '../protocol/generated/messages/find-coordinator-response.js'
import { encodeJoinGroupRequest, type JoinGroupRequest } from '../protocol/generated/messages/join-group-request.js'
import { decodeJoinGroupResponse, type JoinGroupResponse } from '../protocol/generated/messages/join-group-response.js'
import { encodeHeartbeatRequest, type HeartbeatRequest } from '../protocol/generated/messages/heartbeat-request.js'
import { decodeHeartbeatResponse, type HeartbeatResponse } from '../protocol/generated/messages/heartbeat-response.js'
import { encodeLeaveGroupRequest, type LeaveGroupRequest } from '../protocol/generated/messages/leave-group-request.js'
import { decodeLeaveGroupResponse, type LeaveGroupResponse } from '../protocol/generated/messages/leave-group-response.js'
import { encodeSyncGroupRequest, type SyncGroupRequest } from '../protocol/generated/messages/sync-group-request.js'
import { decodeSyncGroupResponse, type SyncGroupResponse } from '../protocol/generated/messages/sync-group-response.js'
import { encodeDescribeGroupsRequest, type DescribeGroupsRequest } from '../protocol/generated/messages/describe-groups-request.js'
import { decodeDescribeGroupsResponse, type DescribeGroupsResponse } from '../protocol/generated/messages/describe-groups-response.js'
import { encodeListGroupsRequest, type ListGroupsRequest } from '../protocol/generated/messages/list-groups-request.js'
import { decodeListGroupsResponse, type ListGroupsResponse } from '../protocol/generated/messages/list-groups-response.js'
import { encodeApiVersionsRequest, type ApiVersionsRequest } from '../protocol/generated/messages/api-versions-request.js'
import { decodeApiVersionsResponse, type ApiVersionsResponse } from '../protocol/generated/messages/api-versions-response.js'
import { encodeCreateTopicsRequest, type CreateTopicsRequest } from '../protocol/generated/messages/create-topics-request.js'
import { decodeCreateTopicsResponse, type CreateTopicsResponse } from '../protocol/generated/messages/create-topics-response.js'
import { encodeDeleteTopicsRequest, type DeleteTopicsRequest } from '../protocol/generated/messages/delete-topics-request.js'
import { decodeDeleteTopicsResponse, type DeleteTopicsResponse } from '../protocol/generated/messages/delete-topics-response.js'
import { encodeDescribeConfigsRequest, type DescribeConfigsRequest } from '../protocol/generated/messages/describe-configs-request.js'
import { decodeDescribeConfigsResponse, type DescribeConfigsResponse } from '../protocol/generated/messages/describe-configs-response.js'
import { encodeAlterConfigsRequest, type AlterConfigsRequest } from '../protocol/generated/messages/alter-configs-request.js'
import { decodeAlterConfigsResponse, type AlterConfigsResponse } from '../protocol/generated/messages/alter-configs-response.js'
import { encodeCreatePartitionsRequest, type CreatePartitionsRequest } from '../protocol/generated/messages/create-partitions-request.js'
import { decodeCreatePartitionsResponse, type CreatePartitionsResponse } from '../protocol/generated/messages/create-partitions-response.js'
import { encodeDeleteGroupsRequest, type DeleteGroupsRequest } from '../protocol/generated/messages/delete-groups-request.js'
import { decodeDeleteGroupsResponse, type DeleteGroupsResponse } from '../protocol/generated/messages/delete-groups-response.js'
import { encodeIncrementalAlterConfigsRequest, type IncrementalAlterConfigsRequest } from '../protocol/generated/messages/incremental-alter-configs-request.js'
import { decodeIncrementalAlterConfigsResponse, type IncrementalAlterConfigsResponse } from '../protocol/generated/messages/incremental-alter-configs-response.js'

export interface Api<Req, Res> {
  readonly key: number
  readonly name: string
  /** Oldest version this client can speak. */
  readonly minVersion: number
  /** Newest version this client can speak. */
  readonly maxVersion: number
  encode: (version: number, req: Req) => Buffer
  decode: (r: Reader, version: number) => Res
}

function api<Req, Res> (key: number, name: string, minVersion: number, maxVersion: number,
  encode: (version: number, req: Req) => Buffer, decode: (r: Reader, version: number) => Res): Api<Req, Res> {
  return { key, name, minVersion, maxVersion, encode, decode }
}

/** Produce (key 0): RecordBatch v2 from v3; v9+ flexible. */
export const Produce: Api<ProduceRequest, ProduceResponse> = api(0, 'Produce', 3, 11, encodeProduceRequest, decodeProduceResponse)
/** Fetch (key 1): isolation level from v4; v13+ names topics by id. */
export const Fetch: Api<FetchRequest, FetchResponse> = api(1, 'Fetch', 4, 17, encodeFetchRequest, decodeFetchResponse)
/** ListOffsets (key 2): one offset per partition from v1. */
export const ListOffsets: Api<ListOffsetsRequest, ListOffsetsResponse> = api(2, 'ListOffsets', 1, 9, encodeListOffsetsRequest, decodeListOffsetsResponse)
/** Metadata (key 3): null topics = all from v1; allowAutoTopicCreation from v4; topic ids from v10. */
export const Metadata: Api<MetadataRequest, MetadataResponse> = api(3, 'Metadata', 1, 12, encodeMetadataRequest, decodeMetadataResponse)
/** OffsetCommit (key 8): generation and member id from v1, retention v2-4. */
export const OffsetCommit: Api<OffsetCommitRequest, OffsetCommitResponse> = api(8, 'OffsetCommit', 2, 9, encodeOffsetCommitRequest, decodeOffsetCommitResponse)
/** OffsetFetch (key 9): null topics = all from v2; batched groups from v8. */
export const OffsetFetch: Api<OffsetFetchRequest, OffsetFetchResponse> = api(9, 'OffsetFetch', 2, 9, encodeOffsetFetchRequest, decodeOffsetFetchResponse)
/** FindCoordinator (key 10): key type from v1; batched keys from v4. */
export const FindCoordinator: Api<FindCoordinatorRequest, FindCoordinatorResponse> = api(10, 'FindCoordinator', 0, 5, encodeFindCoordinatorRequest, decodeFindCoordinatorResponse)
/** JoinGroup (key 11): MEMBER_ID_REQUIRED from v4. */
export const JoinGroup: Api<JoinGroupRequest, JoinGroupResponse> = api(11, 'JoinGroup', 0, 9, encodeJoinGroupRequest, decodeJoinGroupResponse)
/** Heartbeat (key 12). */
export const Heartbeat: Api<HeartbeatRequest, HeartbeatResponse> = api(12, 'Heartbeat', 0, 4, encodeHeartbeatRequest, decodeHeartbeatResponse)
/** LeaveGroup (key 13): batched members from v3. */
export const LeaveGroup: Api<LeaveGroupRequest, LeaveGroupResponse> = api(13, 'LeaveGroup', 0, 5, encodeLeaveGroupRequest, decodeLeaveGroupResponse)
/** SyncGroup (key 14). */
export const SyncGroup: Api<SyncGroupRequest, SyncGroupResponse> = api(14, 'SyncGroup', 0, 5, encodeSyncGroupRequest, decodeSyncGroupResponse)
/** DescribeGroups (key 15). */
export const DescribeGroups: Api<DescribeGroupsRequest, DescribeGroupsResponse> = api(15, 'DescribeGroups', 0, 5, encodeDescribeGroupsRequest, decodeDescribeGroupsResponse)
/** ListGroups (key 16): states filter from v4, types filter from v5. */
export const ListGroups: Api<ListGroupsRequest, ListGroupsResponse> = api(16, 'ListGroups', 0, 5, encodeListGroupsRequest, decodeListGroupsResponse)
/** ApiVersions (key 18): response header always v0 (KIP-511). */
export const ApiVersions: Api<ApiVersionsRequest, ApiVersionsResponse> = api(18, 'ApiVersions', 0, 4, encodeApiVersionsRequest, decodeApiVersionsResponse)
/** CreateTopics (key 19): -1 partitions/replication = broker default from v4. */
export const CreateTopics: Api<CreateTopicsRequest, CreateTopicsResponse> = api(19, 'CreateTopics', 0, 7, encodeCreateTopicsRequest, decodeCreateTopicsResponse)
/** DeleteTopics (key 20): topic names until v5, name-or-id states from v6. */
export const DeleteTopics: Api<DeleteTopicsRequest, DeleteTopicsResponse> = api(20, 'DeleteTopics', 0, 6, encodeDeleteTopicsRequest, decodeDeleteTopicsResponse)
/** DescribeConfigs (key 32): isDefault in v0, configSource from v1. */
export const DescribeConfigs: Api<DescribeConfigsRequest, DescribeConfigsResponse> = api(32, 'DescribeConfigs', 0, 4, encodeDescribeConfigsRequest, decodeDescribeConfigsResponse)
/** AlterConfigs (key 33): replaces a resource's whole set of overrides. */
export const AlterConfigs: Api<AlterConfigsRequest, AlterConfigsResponse> = api(33, 'AlterConfigs', 0, 2, encodeAlterConfigsRequest, decodeAlterConfigsResponse)
/** CreatePartitions (key 37). */
export const CreatePartitions: Api<CreatePartitionsRequest, CreatePartitionsResponse> = api(37, 'CreatePartitions', 0, 3, encodeCreatePartitionsRequest, decodeCreatePartitionsResponse)
/** DeleteGroups (key 42). */
export const DeleteGroups: Api<DeleteGroupsRequest, DeleteGroupsResponse> = api(42, 'DeleteGroups', 0, 2, encodeDeleteGroupsRequest, decodeDeleteGroupsResponse)
/** IncrementalAlterConfigs (key 44): SET/DELETE/APPEND/SUBTRACT per key. */
export const IncrementalAlterConfigs: Api<IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse> = api(44, 'IncrementalAlterConfigs', 0, 1, encodeIncrementalAlterConfigsRequest, decodeIncrementalAlterConfigsResponse)
