// One typed config for the whole broker: definitions (Kafka's key names, defaults, validators), the broker
// loader (defaults < file < env < flags) and per-topic resolution. See src/config/ for each part.
export * from './config/definitions.js'
export * from './config/validate.js'
export * from './config/broker-config.js'
export * from './config/topic-config.js'
export * from './config/listeners.js'
