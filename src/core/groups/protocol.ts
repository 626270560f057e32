// Protocol selection and the bits of the consumer protocol the coordinator reads.
//
// A classic group runs one protocol (assignor) that every member supports: the candidates are the
// protocols all members offered; each member votes for its most preferred candidate; the most votes win
// (ties: the candidate seen first in member order, so the choice is deterministic). The broker never
// assigns partitions itself: the leader does, in its SyncGroup.
//
// For groups of protocol type "consumer" the coordinator decodes the members' subscriptions
// (ConsumerProtocolSubscription: int16 version, then the versioned struct; versions above 3 are read as 3,
// as Kafka's ConsumerProtocol does) to know which topics the group consumes (OffsetDelete refuses those).
import { Reader } from '../../protocol/primitives/reader.js'
import { decodeConsumerProtocolSubscription } from '../../protocol/generated/messages/consumer-protocol-subscription.js'
import type { GroupMember } from './member.js'

export const CONSUMER_PROTOCOL_TYPE = 'consumer'

/** Protocols offered by every member (in the first member's order of preference). */
export function candidateProtocols (members: Iterable<GroupMember>): string[] {
  let candidates: string[] | null = null
  for (const m of members) {
    const names = new Set(m.protocolNames())
    candidates = candidates === null ? m.protocolNames() : candidates.filter(n => names.has(n))
  }
  return candidates ?? []
}

/** The group's protocol for the next generation, or null when the group has no members. */
export function selectProtocol (members: Iterable<GroupMember>): string | null {
  const list = [...members]
  if (list.length === 0) return null
  const candidates = candidateProtocols(list)
  if (candidates.length === 0) throw new Error('no protocol is supported by every member')
  const set = new Set(candidates)
  const votes = new Map<string, number>()
  for (const m of list) {
    const choice = m.vote(set)
    votes.set(choice, (votes.get(choice) ?? 0) + 1)
  }
  let best: string | null = null
  let bestVotes = -1
  for (const [name, n] of votes) {
    if (n > bestVotes) {
      best = name
      bestVotes = n
    }
  }
  return best
}

/**
 * Whether a member offering these protocols can join: into an empty group anything with a protocol type
 * and at least one protocol; else the same protocol type and at least one protocol every member offers.
 */
export function supportsProtocols (groupIsEmpty: boolean, groupProtocolType: string | null, members: Iterable<GroupMember>,
  protocolType: string, protocols: readonly string[]): boolean {
  if (groupIsEmpty) return protocolType.length > 0 && protocols.length > 0
  if (groupProtocolType !== protocolType) return false
  const candidates = new Set(candidateProtocols(members))
  return protocols.some(p => candidates.has(p))
}

/** Topics named in a consumer-protocol subscription, or null if the bytes do not decode. */
export function subscribedTopics (metadata: Buffer): string[] | null {
  try {
    const r = new Reader(metadata)
    const version = r.int16()
    if (version < 0) return null
    return decodeConsumerProtocolSubscription(r, Math.min(version, 3)).topics
  } catch {
    return null
  }
}
