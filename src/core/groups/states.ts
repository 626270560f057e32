// The states of a classic group and the transitions between them, as Kafka's ClassicGroupState.
//
//   Empty ──join──▶ PreparingRebalance ──all joined / rebalance timeout──▶ CompletingRebalance
//     ▲                  ▲        │ (no members left)                         │ leader's SyncGroup stored
//     └──────────────────┼────────┘                                           ▼
//                        └──── member joins, leaves, expires, or metadata changes ──── Stable
//   Dead: the group was deleted (or its offsets expired away); any state may go to Dead, nothing leaves it.
//
// Invariant: a group only moves along VALID_PREVIOUS (checked on every transition; a violation is a bug
// in the coordinator and throws). State names are Kafka's exact strings: DescribeGroups and ListGroups
// send them to clients (kafkajs' setOffsets tests for 'Empty' and 'Dead').

export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead'

export const GROUP_STATES: readonly GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead']

const VALID_PREVIOUS: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead']
}

export function canTransition (from: GroupState, to: GroupState): boolean {
  return VALID_PREVIOUS[to].includes(from)
}

/** Whether a group in this state may start a rebalance (Kafka: canRebalance). */
export function canRebalance (state: GroupState): boolean {
  return canTransition(state, 'PreparingRebalance')
}

/** Parses a state name case-insensitively (ListGroups' states filter), undefined if unknown. */
export function parseGroupState (name: string): GroupState | undefined {
  const lower = name.toLowerCase()
  return GROUP_STATES.find(s => s.toLowerCase() === lower)
}
