// ListGroups (key 16): every group this coordinator knows, with its protocol type and state.
//
// Version notes:
//   v1      throttle time
//   v3      flexible
//   v4      states filter (KIP-518), matched case-insensitively; group state in the response
//   v5      types filter (KIP-848): not advertised (Samsa has classic groups only)
// Errors: COORDINATOR_LOAD_IN_PROGRESS while loading (with the groups known so far), COORDINATOR_NOT_AVAILABLE.
import { decodeListGroupsRequest, type ListGroupsRequest } from '../../protocol/generated/messages/list-groups-request.js'
import { sizeListGroupsResponse, writeListGroupsResponse, type ListGroupsResponse } from '../../protocol/generated/messages/list-groups-response.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed, allowedOnCluster } from '../authorize.js'

export default defineHandler({
  apiKey: 16,
  minVersion: 0,
  maxVersion: 4,
  codec: { decodeRequest: decodeListGroupsRequest, sizeResponse: sizeListGroupsResponse, writeResponse: writeListGroupsResponse },
  uses: ['authorizer', 'groups'],
  handle (svc, ctx, req: ListGroupsRequest): ListGroupsResponse {
    const r = svc.groups.list(ctx.apiVersion >= 4 ? req.statesFilter : [])
    // ACLs: DESCRIBE on the cluster lists every group, else only the groups the client may DESCRIBE
    if (!allowedOnCluster(svc.authorizer, ctx, AclOperation.DESCRIBE, false)) {
      r.groups = r.groups.filter(g => allowed(svc.authorizer, ctx, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId, false))
    }
    return {
      throttleTimeMs: 0,
      errorCode: r.errorCode,
      groups: r.groups.map(g => ({ groupId: g.groupId, protocolType: g.protocolType, groupState: g.groupState, groupType: 'classic' }))
    }
  }
})
