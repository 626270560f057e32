// Shared by AlterConfigs (33) and IncrementalAlterConfigs (44): validation and live application of topic
// config changes. Both handlers compute the topic's complete new override map, validate it as a whole
// (INVALID_CONFIG with a message naming the key and the value), then persist it and apply it to the
// partitions live (LogManager.updateTopicConfigs), unless validateOnly.
//
// Broker resources (type 4): Samsa's broker configs are static (file, environment, flags); a dynamic change
// is answered with INVALID_REQUEST naming the way to set it, rather than accepted and ignored.
import { ErrorCode } from '../../protocol/errors.js'
import { validateTopicConfigs } from '../../config/topic-config.js'
import type { KafkaServices } from '../services.js'
import { failure } from './failure.js'

export const RESOURCE_TOPIC = 2
export const RESOURCE_BROKER = 4
export const RESOURCE_BROKER_LOGGER = 8

export interface ResourceResult {
  errorCode: number
  errorMessage: string | null
  resourceType: number
  resourceName: string
}

/** Checks the resource and returns the topic's current overrides, or an error result. */
export function currentOverrides (svc: Pick<KafkaServices, 'topics'>, resourceType: number, resourceName: string): Record<string, string> | ResourceResult {
  const fail = (errorCode: number, errorMessage: string): ResourceResult => ({ errorCode, errorMessage, resourceType, resourceName })
  if (resourceType === RESOURCE_BROKER || resourceType === RESOURCE_BROKER_LOGGER) {
    return fail(ErrorCode.INVALID_REQUEST, 'Samsa\'s broker configs are static: set them with flags, SAMSA_* environment variables or --config and restart')
  }
  if (resourceType !== RESOURCE_TOPIC) return fail(ErrorCode.INVALID_REQUEST, `resource type ${resourceType} is not supported (2 topic)`)
  const topic = svc.topics.get(resourceName)
  if (topic === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `unknown topic ${resourceName}`)
  return { ...topic.configs }
}

/** Validates and (unless validateOnly) applies the new override map of a topic. */
export async function applyTopicOverrides (svc: Pick<KafkaServices, 'logger' | 'topics'>, resourceType: number, name: string, overrides: Record<string, string>, validateOnly: boolean): Promise<ResourceResult> {
  const problem = validateTopicConfigs(overrides)
  if (problem !== null) return { errorCode: ErrorCode.INVALID_CONFIG, errorMessage: problem, resourceType, resourceName: name }
  if (!validateOnly) {
    try {
      await svc.topics.updateConfigs(name, overrides)
      svc.logger.info({ topic: name, configs: overrides }, 'topic configs changed')
    } catch (err) {
      const f = failure(svc.logger, err, `saving configs of ${name}`, { topic: name })
      return { errorCode: f.code, errorMessage: f.message, resourceType, resourceName: name }
    }
  }
  return { errorCode: ErrorCode.NONE, errorMessage: null, resourceType, resourceName: name }
}

/**
 * The checks both APIs start a resource with: the resource itself (currentOverrides), then INVALID_REQUEST for
 * a config named twice (Kafka rejects those). Returns the topic's current overrides or the error result.
 */
export function startResource (svc: Pick<KafkaServices, 'topics'>, resourceType: number, resourceName: string, configNames: string[]): Record<string, string> | ResourceResult {
  const current = currentOverrides(svc, resourceType, resourceName)
  if ('errorCode' in current) return current
  const seen = new Set<string>()
  for (const n of configNames) {
    if (seen.has(n)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `config ${n} is named more than once`, resourceType, resourceName }
    seen.add(n)
  }
  return current
}
