// Integer limits of Kafka's wire and file formats.

/** Largest int32: Kafka's Integer.MAX_VALUE (relative offsets, positions in a segment, unbounded maxBytes). */
export const INT32_MAX = 0x7fffffff
