// One member of a classic group (Kafka's ClassicGroupMember): identity, timeouts, the protocols it offered
// in its last JoinGroup (in its order of preference), its current assignment, and the JoinGroup/SyncGroup
// responses it is waiting for.
//
// Invariants: `protocols` is never empty and holds one protocol type (the group's); `awaitingJoin` is set
// exactly while the member has a JoinGroup parked in the coordinator (the group counts these), likewise
// `awaitingSync` for SyncGroup; completing either clears it first, so a response is sent at most once.

export interface ProtocolMetadata {
  name: string
  metadata: Buffer
}

/** The coordinator's answer to a JoinGroup; the handler maps it onto the version's response. */
export interface JoinResult {
  errorCode: number
  memberId: string
  generationId: number
  protocolType: string | null
  protocolName: string | null
  leader: string
  skipAssignment: boolean
  /** Non-empty only in the leader's response. */
  members: Array<{ memberId: string, groupInstanceId: string | null, metadata: Buffer }>
}

export interface SyncResult {
  errorCode: number
  protocolType: string | null
  protocolName: string | null
  assignment: Buffer
}

export const EMPTY_ASSIGNMENT: Buffer = Buffer.alloc(0)

export function joinError (memberId: string, errorCode: number): JoinResult {
  return { errorCode, memberId, generationId: -1, protocolType: null, protocolName: null, leader: '', skipAssignment: false, members: [] }
}

export function syncError (errorCode: number): SyncResult {
  return { errorCode, protocolType: null, protocolName: null, assignment: EMPTY_ASSIGNMENT }
}

export interface MemberInit {
  memberId: string
  groupInstanceId: string | null
  clientId: string
  clientHost: string
  rebalanceTimeoutMs: number
  sessionTimeoutMs: number
  protocolType: string
  protocols: ProtocolMetadata[]
  assignment?: Buffer
}

export class GroupMember {
  readonly memberId: string
  readonly groupInstanceId: string | null
  readonly clientId: string
  readonly clientHost: string
  readonly protocolType: string
  rebalanceTimeoutMs: number
  sessionTimeoutMs: number
  protocols: ProtocolMetadata[]
  assignment: Buffer
  /** Joined in the current rebalance and not yet through one: may expire while awaiting its JoinGroup. */
  isNew = false
  awaitingJoin: ((r: JoinResult) => void) | null = null
  awaitingSync: ((r: SyncResult) => void) | null = null

  constructor (init: MemberInit) {
    this.memberId = init.memberId
    this.groupInstanceId = init.groupInstanceId
    this.clientId = init.clientId
    this.clientHost = init.clientHost
    this.rebalanceTimeoutMs = init.rebalanceTimeoutMs
    this.sessionTimeoutMs = init.sessionTimeoutMs
    this.protocolType = init.protocolType
    this.protocols = init.protocols
    this.assignment = init.assignment ?? EMPTY_ASSIGNMENT
  }

  get isStatic (): boolean {
    return this.groupInstanceId !== null
  }

  get isAwaitingJoin (): boolean {
    return this.awaitingJoin !== null
  }

  get isAwaitingSync (): boolean {
    return this.awaitingSync !== null
  }

  /**
   * Whether a session timeout firing now should spare the member: members parked in a rebalance cannot
   * heartbeat, so they are kept, except new members (they may have gone away before getting their id).
   */
  get hasSatisfiedHeartbeat (): boolean {
    if (this.isNew) return false
    return this.isAwaitingJoin || this.isAwaitingSync
  }

  protocolNames (): string[] {
    return this.protocols.map(p => p.name)
  }

  /** The member's metadata for one protocol (empty if it did not offer it). */
  metadataFor (protocol: string): Buffer {
    for (const p of this.protocols) if (p.name === protocol) return p.metadata
    return EMPTY_ASSIGNMENT
  }

  /** Same protocols, same order, same metadata bytes: a rejoin with nothing new. */
  matches (protocols: ProtocolMetadata[]): boolean {
    if (protocols.length !== this.protocols.length) return false
    for (let i = 0; i < protocols.length; i++) {
      if (protocols[i].name !== this.protocols[i].name || !protocols[i].metadata.equals(this.protocols[i].metadata)) return false
    }
    return true
  }

  /** The member's most preferred protocol among the candidates. */
  vote (candidates: Set<string>): string {
    for (const p of this.protocols) if (candidates.has(p.name)) return p.name
    throw new Error(`member ${this.memberId} supports none of the candidate protocols ${[...candidates].join(', ')}`)
  }

  completeJoin (r: JoinResult): boolean {
    const cb = this.awaitingJoin
    if (cb === null) return false
    this.awaitingJoin = null
    cb(r)
    return true
  }

  completeSync (r: SyncResult): boolean {
    const cb = this.awaitingSync
    if (cb === null) return false
    this.awaitingSync = null
    cb(r)
    return true
  }
}
