// Connection.throttle(ms), the quota mute (KIP-219): the answer that throttles goes out at once, nothing more is
// read from that connection until the time is over, then reading resumes; other connections are not muted.
import t from 'tap'
import { SocketServer } from '../../../src/kafka/network/server.js'
import type { RequestRouter, RouteInfo } from '../../../src/kafka/network/connection.js'
import { API_INFO } from '../../../src/protocol/generated/api-keys.js'
import { decodeApiVersionsRequest } from '../../../src/protocol/generated/messages/api-versions-request.js'
import { sizeApiVersionsResponse, writeApiVersionsResponse } from '../../../src/protocol/generated/messages/api-versions-response.js'
import { silentLogger } from '../../../src/logger.js'
import { RawClient } from '../../helpers/raw-client.js'

const MUTE_MS = 400

t.test('a throttled connection is muted for the throttle time; others are not', async t => {
  const route: RouteInfo = {
    info: API_INFO.get(18)!,
    min: 0,
    max: 3,
    codec: { decodeRequest: decodeApiVersionsRequest, sizeResponse: sizeApiVersionsResponse, writeResponse: writeApiVersionsResponse },
    ready: null
  }
  const handled: string[] = []
  const router: RequestRouter = {
    route: k => k === 18 ? route : undefined,
    handle: (ctx) => {
      handled.push(ctx.clientId ?? '')
      // the first request of client "slow" throttles its connection
      if (ctx.clientId === 'slow' && handled.filter(c => c === 'slow').length === 1) ctx.connection.throttle(MUTE_MS)
      return { errorCode: 0, apiKeys: [], throttleTimeMs: 0 }
    },
    unsupportedApiVersionsResponse: () => ({ errorCode: 35, apiKeys: [], throttleTimeMs: 0 })
  }
  const server = new SocketServer({ host: '127.0.0.1', port: 0, maxFrameBytes: 1 << 20, router, logger: silentLogger, listener: { name: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', advertised: { host: '127.0.0.1', port: 9 } } })
  const { port } = await server.listen()
  t.teardown(() => server.close())
  const slow = await RawClient.connect(port)
  slow.clientId = 'slow'
  const other = await RawClient.connect(port)
  other.clientId = 'other'
  t.teardown(() => { slow.close(); other.close() })
  const body = { clientSoftwareName: 'x', clientSoftwareVersion: '1' }

  await slow.request(18, 3, body)
  t.pass('the throttling answer itself arrives')
  const muted = Date.now()
  const second = slow.request(18, 3, body).then(() => Date.now())
  await new Promise(resolve => setTimeout(resolve, 100))
  t.same(handled, ['slow'], 'the muted connection\'s next request was not read')
  await other.request(18, 3, body)
  t.same(handled, ['slow', 'other'], 'another connection is served meanwhile')
  const answeredAt = await second
  t.ok(answeredAt - muted >= MUTE_MS - 50, `read after the mute (${answeredAt - muted} ms)`)
  t.same(handled, ['slow', 'other', 'slow'])
})
