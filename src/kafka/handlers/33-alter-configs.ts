// AlterConfigs (key 33): replaces a topic's whole set of overrides with the ones given (keys not named go
// back to their defaults), validated, persisted and applied live.
//
// Version notes:
//   v1      same as v0
//   v2      flexible
// ACLs: ALTER_CONFIGS on the topic (TOPIC_AUTHORIZATION_FAILED) or the cluster (CLUSTER_AUTHORIZATION_FAILED).
// Null values are rejected (INVALID_REQUEST), as Kafka does for the non-incremental API.
import { decodeAlterConfigsRequest, type AlterConfigsRequest } from '../../protocol/generated/messages/alter-configs-request.js'
import { sizeAlterConfigsResponse, writeAlterConfigsResponse, type AlterConfigsResponse } from '../../protocol/generated/messages/alter-configs-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { defineHandler } from '../handler.js'
import { AclOperation, configResourceRefusal } from '../authorize.js'
import { applyTopicOverrides, startResource, type ResourceResult } from './alter-configs-common.js'

export default defineHandler({
  apiKey: 33,
  minVersion: 0,
  maxVersion: 2,
  codec: { decodeRequest: decodeAlterConfigsRequest, sizeResponse: sizeAlterConfigsResponse, writeResponse: writeAlterConfigsResponse },
  uses: ['authorizer', 'logger', 'topics'],
  async handle (svc, ctx, req: AlterConfigsRequest): Promise<AlterConfigsResponse> {
    const responses: ResourceResult[] = []
    for (const res of req.resources) {
      const refused = configResourceRefusal(svc.authorizer, ctx, AclOperation.ALTER_CONFIGS, res.resourceType, res.resourceName)
      if (refused !== null) {
        responses.push({ ...refused, resourceType: res.resourceType, resourceName: res.resourceName })
        continue
      }
      const current = startResource(svc, res.resourceType, res.resourceName, res.configs.map(c => c.name))
      if ('errorCode' in current) {
        responses.push(current as ResourceResult)
        continue
      }
      const nullValue = res.configs.find(c => c.value === null)
      if (nullValue !== undefined) {
        responses.push({ errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `null value for ${nullValue.name}: AlterConfigs needs a value (use IncrementalAlterConfigs DELETE to reset one)`, resourceType: res.resourceType, resourceName: res.resourceName })
        continue
      }
      const next: Record<string, string> = {}
      for (const c of res.configs) next[c.name] = c.value as string
      responses.push(await applyTopicOverrides(svc, res.resourceType, res.resourceName, next, req.validateOnly))
    }
    return { throttleTimeMs: 0, responses }
  }
})
