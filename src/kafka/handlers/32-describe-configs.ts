// DescribeConfigs (key 32): every config of a topic or of the svc, with its value, source and default flag.
//
// Version notes:
//   v0      IsDefault per config
//   v1      ConfigSource and synonyms (when IncludeSynonyms) instead of IsDefault
//   v2      same as v1
//   v3      ConfigType and documentation (when IncludeDocumentation)
//   v4      flexible
// Resource types: 2 TOPIC, 4 BROKER (name "" or this node's id), 8 BROKER_LOGGER (empty list).
// Sources: TOPIC_CONFIG for a topic override, STATIC_BROKER_CONFIG for a value set in the broker's file, env or
// flags, DEFAULT_CONFIG otherwise. Unknown topic: UNKNOWN_TOPIC_OR_PARTITION; other resource types: INVALID_REQUEST.
import { decodeDescribeConfigsRequest, type DescribeConfigsRequest } from '../../protocol/generated/messages/describe-configs-request.js'
import { sizeDescribeConfigsResponse, writeDescribeConfigsResponse, type DescribeConfigsResponse } from '../../protocol/generated/messages/describe-configs-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { BROKER_CONFIGS, CONFIG_TYPE_CODE, TOPIC_CONFIGS } from '../../config/definitions.js'
import { CONFIG_SOURCE, resolveTopicConfig } from '../../config/topic-config.js'
import { defineHandler } from '../handler.js'
import { AclOperation, configResourceRefusal } from '../authorize.js'
import type { KafkaServices } from '../services.js'

type Result = DescribeConfigsResponse['results'][number]
type ConfigEntry = Result['configs'][number]

export const RESOURCE_TOPIC = 2
export const RESOURCE_BROKER = 4
export const RESOURCE_BROKER_LOGGER = 8

export function describeTopicConfigs (svc: Pick<KafkaServices, 'config'>, overrides: Record<string, string>, keys: string[] | null, synonyms: boolean, docs: boolean): ConfigEntry[] {
  const out: ConfigEntry[] = []
  for (const d of TOPIC_CONFIGS) {
    if (keys !== null && !keys.includes(d.name)) continue
    const r = resolveTopicConfig(svc.config, overrides, d)
    out.push({
      name: d.name,
      value: r.value,
      readOnly: false,
      isDefault: r.source === 'DEFAULT_CONFIG',
      configSource: CONFIG_SOURCE[r.source],
      isSensitive: false,
      synonyms: synonyms ? r.synonyms.map(s => ({ name: s.name, value: s.value, source: CONFIG_SOURCE[s.source] })) : [],
      configType: CONFIG_TYPE_CODE[d.type],
      documentation: docs ? d.doc : null
    })
  }
  return out
}

function describeBrokerConfigs (svc: Pick<KafkaServices, 'config'>, keys: string[] | null, synonyms: boolean, docs: boolean): ConfigEntry[] {
  const out: ConfigEntry[] = []
  for (const d of BROKER_CONFIGS) {
    if (keys !== null && !keys.includes(d.name)) continue
    const explicit = svc.config.explicit.get(d.name)
    const source = explicit !== undefined ? CONFIG_SOURCE.STATIC_BROKER_CONFIG : CONFIG_SOURCE.DEFAULT_CONFIG
    // a password (keystore passwords, sasl.jaas.config) is never sent: value null, isSensitive (as Kafka)
    const sensitive = d.type === 'password'
    const shown = (v: string | null): string | null => sensitive ? null : v
    const syn: ConfigEntry['synonyms'] = []
    if (synonyms) {
      if (explicit !== undefined) syn.push({ name: d.name, value: shown(explicit), source: CONFIG_SOURCE.STATIC_BROKER_CONFIG })
      syn.push({ name: d.name, value: shown(d.default), source: CONFIG_SOURCE.DEFAULT_CONFIG })
    }
    out.push({
      name: d.name,
      value: shown(explicit ?? d.default),
      readOnly: d.readOnly === true,
      isDefault: explicit === undefined,
      configSource: source,
      isSensitive: sensitive,
      synonyms: syn,
      configType: CONFIG_TYPE_CODE[d.type],
      documentation: docs ? d.doc : null
    })
  }
  return out
}

export default defineHandler({
  apiKey: 32,
  minVersion: 0,
  maxVersion: 4,
  codec: { decodeRequest: decodeDescribeConfigsRequest, sizeResponse: sizeDescribeConfigsResponse, writeResponse: writeDescribeConfigsResponse },
  uses: ['authorizer', 'config', 'nodeId', 'topics'],
  handle (svc, ctx, req: DescribeConfigsRequest): DescribeConfigsResponse {
    const results: Result[] = []
    for (const res of req.resources) {
      const result: Result = { errorCode: ErrorCode.NONE, errorMessage: null, resourceType: res.resourceType, resourceName: res.resourceName, configs: [] }
      results.push(result)
      const keys = res.configurationKeys
      // ACLs: DESCRIBE_CONFIGS on the topic (TOPIC_AUTHORIZATION_FAILED) or the cluster (CLUSTER_AUTHORIZATION_FAILED)
      const refused = configResourceRefusal(svc.authorizer, ctx, AclOperation.DESCRIBE_CONFIGS, res.resourceType, res.resourceName)
      if (refused !== null) {
        result.errorCode = refused.errorCode
        result.errorMessage = refused.errorMessage
        continue
      }
      if (res.resourceType === RESOURCE_TOPIC) {
        const topic = svc.topics.get(res.resourceName)
        if (topic === undefined) {
          result.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          result.errorMessage = `unknown topic ${res.resourceName}`
          continue
        }
        result.configs = describeTopicConfigs(svc, topic.configs, keys, req.includeSynonyms, req.includeDocumentation)
      } else if (res.resourceType === RESOURCE_BROKER) {
        if (res.resourceName !== '' && res.resourceName !== String(svc.nodeId)) {
          result.errorCode = ErrorCode.INVALID_REQUEST
          result.errorMessage = `unknown broker '${res.resourceName}': this is broker ${svc.nodeId}`
          continue
        }
        result.configs = describeBrokerConfigs(svc, keys, req.includeSynonyms, req.includeDocumentation)
      } else if (res.resourceType === RESOURCE_BROKER_LOGGER) {
        result.configs = []
      } else {
        result.errorCode = ErrorCode.INVALID_REQUEST
        result.errorMessage = `resource type ${res.resourceType} is not supported by DescribeConfigs (2 topic, 4 broker, 8 broker logger)`
      }
    }
    return { throttleTimeMs: 0, results }
  }
})
