// IncrementalAlterConfigs (key 44): SET, DELETE, APPEND, SUBTRACT on a topic's overrides, validated,
// persisted and applied live.
//
// Version notes:
//   v1      flexible
// Operations: 0 SET (value required), 1 DELETE (back to the inherited value), 2 APPEND and 3 SUBTRACT
// (list configs only, e.g. cleanup.policy; on a non-list key INVALID_CONFIG, as Kafka). A key named twice in
// one resource is INVALID_REQUEST.
import { decodeIncrementalAlterConfigsRequest, type IncrementalAlterConfigsRequest } from '../../protocol/generated/messages/incremental-alter-configs-request.js'
import { sizeIncrementalAlterConfigsResponse, writeIncrementalAlterConfigsResponse, type IncrementalAlterConfigsResponse } from '../../protocol/generated/messages/incremental-alter-configs-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { TOPIC_CONFIG_BY_NAME } from '../../config/definitions.js'
import { resolveTopicConfig } from '../../config/topic-config.js'
import { parseList } from '../../config/validate.js'
import { defineHandler } from '../handler.js'
import { AclOperation, configResourceRefusal } from '../authorize.js'
import { applyTopicOverrides, startResource, type ResourceResult } from './alter-configs-common.js'

const SET = 0
const DELETE = 1
const APPEND = 2
const SUBTRACT = 3

export default defineHandler({
  apiKey: 44,
  minVersion: 0,
  maxVersion: 1,
  codec: { decodeRequest: decodeIncrementalAlterConfigsRequest, sizeResponse: sizeIncrementalAlterConfigsResponse, writeResponse: writeIncrementalAlterConfigsResponse },
  uses: ['authorizer', 'config', 'logger', 'topics'],
  async handle (svc, ctx, req: IncrementalAlterConfigsRequest): Promise<IncrementalAlterConfigsResponse> {
    const responses: ResourceResult[] = []
    for (const res of req.resources) {
      const fail = (errorCode: number, errorMessage: string): void => {
        responses.push({ errorCode, errorMessage, resourceType: res.resourceType, resourceName: res.resourceName })
      }
      // ACLs: ALTER_CONFIGS on the topic or the cluster
      const refused = configResourceRefusal(svc.authorizer, ctx, AclOperation.ALTER_CONFIGS, res.resourceType, res.resourceName)
      if (refused !== null) {
        fail(refused.errorCode, refused.errorMessage)
        continue
      }
      const current = startResource(svc, res.resourceType, res.resourceName, res.configs.map(c => c.name))
      if ('errorCode' in current) {
        responses.push(current as ResourceResult)
        continue
      }
      const next: Record<string, string> = { ...current }
      let problem: [number, string] | null = null
      for (const c of res.configs) {
        const d = TOPIC_CONFIG_BY_NAME.get(c.name)
        if (d === undefined) { problem = [ErrorCode.INVALID_CONFIG, `unknown topic config '${c.name}'`]; break }
        if (c.configOperation === SET) {
          if (c.value === null) { problem = [ErrorCode.INVALID_REQUEST, `SET ${c.name} needs a value`]; break }
          next[c.name] = c.value
        } else if (c.configOperation === DELETE) {
          delete next[c.name]
        } else if (c.configOperation === APPEND || c.configOperation === SUBTRACT) {
          if (d.type !== 'list') { problem = [ErrorCode.INVALID_CONFIG, `Config value ${c.configOperation === APPEND ? 'append' : 'subtract'} is not allowed for config key: ${c.name} (not a list)`]; break }
          // No override yet: start from the inherited value (broker setting or default).
          const base = next[c.name] ?? resolveTopicConfig(svc.config, {}, d).value ?? ''
          const items = parseList(base)
          const given = parseList(c.value ?? '')
          const result = c.configOperation === APPEND
            ? [...items, ...given.filter(v => !items.includes(v))]
            : items.filter(v => !given.includes(v))
          next[c.name] = result.join(',')
        } else {
          problem = [ErrorCode.INVALID_REQUEST, `unknown config operation ${c.configOperation} for ${c.name} (0 SET, 1 DELETE, 2 APPEND, 3 SUBTRACT)`]
          break
        }
      }
      if (problem !== null) {
        fail(problem[0], problem[1])
        continue
      }
      responses.push(await applyTopicOverrides(svc, res.resourceType, res.resourceName, next, req.validateOnly))
    }
    return { throttleTimeMs: 0, responses }
  }
})
