// Shared setup for the group coordinator's unit tests: a coordinator on a ManualClock and an in-memory
// __consumer_offsets, request builders, and helpers to drive members through joins and syncs.
import { ManualClock } from '../../../src/core/groups/clock.js'
import { GroupCoordinator } from '../../../src/core/groups/coordinator.js'
import type { GroupsConfig } from '../../../src/core/groups/context.js'
import type { JoinResult, SyncResult } from '../../../src/core/groups/member.js'
import type { JoinRequest } from '../../../src/core/groups/membership.js'
import { MemoryOffsetsLog } from '../../../src/core/groups/offsets-log.js'
import { encodeConsumerProtocolSubscription } from '../../../src/protocol/generated/messages/consumer-protocol-subscription.js'
import { ErrorCode } from '../../../src/protocol/errors.js'
import { silentLogger } from '../../../src/logger.js'

export const SESSION = 10_000
export const REBALANCE = 30_000

export interface Setup { clock: ManualClock, log: MemoryOffsetsLog, coord: GroupCoordinator }

export async function setup (config: Partial<GroupsConfig> = {}, log = new MemoryOffsetsLog(10), clock = new ManualClock()): Promise<Setup> {
  const coord = new GroupCoordinator({ log, clock, logger: silentLogger, config: { minSessionTimeoutMs: 1000, initialRebalanceDelayMs: 0, ...config } })
  await coord.load()
  return { clock, log, coord }
}

/** Lets promise callbacks and (in-memory) appends run. */
export async function settle (): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise(resolve => setImmediate(resolve))
}

export interface Tracked<T> { done: boolean, value: T | undefined, promise: Promise<T> }

export function track<T> (promise: Promise<T>): Tracked<T> {
  const s: Tracked<T> = { done: false, value: undefined, promise }
  promise.then(v => { s.done = true; s.value = v }, () => { s.done = true })
  return s
}

/** A consumer-protocol subscription (int16 version + ConsumerProtocolSubscription v1). */
export function subscription (...topics: string[]): Buffer {
  const body = encodeConsumerProtocolSubscription(1, { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null })
  const v = Buffer.alloc(2)
  v.writeInt16BE(1)
  return Buffer.concat([v, body])
}

export function joinReq (o: Partial<JoinRequest> = {}): JoinRequest {
  return {
    groupId: 'g',
    memberId: '',
    groupInstanceId: null,
    clientId: 'client',
    clientHost: '/127.0.0.1',
    sessionTimeoutMs: SESSION,
    rebalanceTimeoutMs: REBALANCE,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: subscription('t') }],
    requireKnownMemberId: true,
    supportsSkipAssignment: false,
    reason: null,
    ...o
  }
}

/** First join (MEMBER_ID_REQUIRED) then the rejoin with the id: returns the id and the parked rejoin. */
export async function joinNew (coord: GroupCoordinator, o: Partial<JoinRequest> = {}): Promise<{ memberId: string, join: Tracked<JoinResult> }> {
  const first = await coord.join(joinReq(o))
  if (first.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) throw new Error(`expected MEMBER_ID_REQUIRED, got ${first.errorCode}`)
  return { memberId: first.memberId, join: track(coord.join(joinReq({ ...o, memberId: first.memberId }))) }
}

export function syncReq (memberId: string, generationId: number, assignments: Array<{ memberId: string, assignment: Buffer }> = [], groupId = 'g') {
  return { groupId, generationId, memberId, groupInstanceId: null, protocolType: null, protocolName: null, assignments }
}

/**
 * Brings a group to Stable with the given number of fresh members (the first is the leader); each
 * member's assignment is `a-<index>`.
 */
export async function stableGroup (s: Setup, n: number, o: Partial<JoinRequest> = {}): Promise<{ ids: string[], generation: number }> {
  const joins: Array<{ memberId: string, join: Tracked<JoinResult> }> = []
  for (let i = 0; i < n; i++) joins.push(await joinNew(s.coord, o))
  s.clock.advance(0)
  await settle()
  const results = joins.map(j => j.join.value as JoinResult)
  if (results.some(r => r === undefined || r.errorCode !== 0)) throw new Error(`joins did not complete: ${JSON.stringify(results)}`)
  const generation = results[0].generationId
  const ids = joins.map(j => j.memberId)
  const syncs: Array<Tracked<SyncResult>> = []
  for (let i = 1; i < n; i++) syncs.push(track(s.coord.sync(syncReq(ids[i], generation, [], o.groupId))))
  const leader = results[0].leader
  syncs.push(track(s.coord.sync(syncReq(leader, generation, ids.map((id, i) => ({ memberId: id, assignment: Buffer.from(`a-${i}`) })), o.groupId))))
  await settle()
  if (syncs.some(x => x.value?.errorCode !== 0)) throw new Error('syncs did not complete')
  return { ids, generation }
}

export function heartbeat (coord: GroupCoordinator, memberId: string, generationId: number, groupId = 'g', groupInstanceId: string | null = null): number {
  return coord.heartbeat({ groupId, memberId, generationId, groupInstanceId })
}
