// AddOffsetsToTxn (key 25): adds the group's __consumer_offsets partition to the producer's transaction, so
// that TxnOffsetCommit may write the group's offsets into it (consume-transform-produce: the offsets commit
// or abort with the records). The group need not exist, nor __consumer_offsets yet (TxnOffsetCommit creates
// it; a marker for a partition that was never written is not needed).
//
// Version notes:
//   v1      same as v0
//   v2      PRODUCER_FENCED instead of INVALID_PRODUCER_EPOCH for a stale producer
//   v3      flexible
//   v4      same as v3 (newer brokers may answer TRANSACTION_ABORTABLE: never here)
import { decodeAddOffsetsToTxnRequest, type AddOffsetsToTxnRequest } from '../../protocol/generated/messages/add-offsets-to-txn-request.js'
import { sizeAddOffsetsToTxnResponse, writeAddOffsetsToTxnResponse, type AddOffsetsToTxnResponse } from '../../protocol/generated/messages/add-offsets-to-txn-response.js'
import { ErrorCode } from '../../protocol/errors.js'
import { OFFSETS_TOPIC } from '../../core/groups/offsets-log.js'
import { defineHandler } from '../handler.js'
import { AclOperation, ResourceType, allowed } from '../authorize.js'

export default defineHandler({
  apiKey: 25,
  minVersion: 0,
  maxVersion: 4,
  codec: { decodeRequest: decodeAddOffsetsToTxnRequest, sizeResponse: sizeAddOffsetsToTxnResponse, writeResponse: writeAddOffsetsToTxnResponse },
  uses: ['authorizer', 'groups', 'logger', 'transactions'],
  async handle (svc, ctx, req: AddOffsetsToTxnRequest): Promise<AddOffsetsToTxnResponse> {
    if (req.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID }
    // ACLs: WRITE on the transactional id, READ on the group
    if (!allowed(svc.authorizer, ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, req.transactionalId)) return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED }
    if (!allowed(svc.authorizer, ctx, AclOperation.READ, ResourceType.GROUP, req.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }
    const txns = await svc.transactions.get()
    const groups = svc.groups
    const partition = groups.partitionFor(req.groupId)
    const r = await txns.addPartitions(req.transactionalId, Number(req.producerId), req.producerEpoch, new Map([[OFFSETS_TOPIC, [partition]]]), ctx.apiVersion >= 2)
    if (r.errorCode !== ErrorCode.NONE && r.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS) {
      svc.logger.info({ transactionalId: req.transactionalId, groupId: req.groupId, clientId: ctx.clientId, errorCode: r.errorCode }, `AddOffsetsToTxn refused: ${r.message ?? ''}`)
    }
    return { throttleTimeMs: 0, errorCode: r.errorCode }
  }
})
