// DeleteGroups (key 42): deletes Empty groups and their committed offsets (tombstones in __consumer_offsets,
// answered once durable).
//
// Version notes:
//   v1      same as v0
//   v2      flexible
// Errors per group: GROUP_ID_NOT_FOUND (unknown or already deleted), NON_EMPTY_GROUP (it has members),
// COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE,
// GROUP_AUTHORIZATION_FAILED without DELETE on the group (ACLs). A group named twice is answered once.
import { decodeDeleteGroupsRequest, type DeleteGroupsRequest } from '../../protocol/generated/messages/delete-groups-request.js'
import { sizeDeleteGroupsResponse, writeDeleteGroupsResponse, type DeleteGroupsResponse } from '../../protocol/generated/messages/delete-groups-response.js'
import { defineHandler } from '../handler.js'
import { ErrorCode } from '../../protocol/errors.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'

export default defineHandler({
  apiKey: 42,
  minVersion: 0,
  maxVersion: 2,
  codec: { decodeRequest: decodeDeleteGroupsRequest, sizeResponse: sizeDeleteGroupsResponse, writeResponse: writeDeleteGroupsResponse },
  uses: ['authorizer', 'groups'],
  async handle (svc, ctx, req: DeleteGroupsRequest): Promise<DeleteGroupsResponse> {
    const ids = [...new Set(req.groupsNames)]
    const ok = ids.filter(id => allowed(svc.authorizer, ctx, AclOperation.DELETE, ResourceType.GROUP, id))
    const results = await svc.groups.deleteGroups(ok)
    for (const id of ids) if (!ok.includes(id)) results.push({ groupId: id, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED })
    return { throttleTimeMs: 0, results }
  }
})
