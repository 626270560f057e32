// Read-your-writes with kafkajs (issue 14's correctness bug): with `fsync always` an acks=1 answer goes out once
// the batch is in the file, before its fdatasync, while the high watermark follows the fdatasync. A client that
// got the answer must still see the write in its next request: ListOffsets latest, DeleteRecords to the end
// (-1) and a Fetch with maxWait 0 at the answered offset wait for the group commit already under way (one
// fdatasync at most; src/storage/log.ts "Read-your-writes"). Before, 7 to 32 of 50 tries saw a stale end offset.
// Both modes are checked; `fsync never` answers after the write as before. 50 tries per check (kafkajs's own
// deleteTopicRecords.spec.js and fetchTopicsOffset.spec.js do the same produce-then-ask).
import t from 'tap'
import { withBroker } from '../../helpers/broker.js'
import { checkReadYourWrites } from '../../helpers/read-your-writes.js'

for (const fsync of ['always', 'never'] as const) {
  t.test(`fsync ${fsync}: an acks=1 answer is seen by the next request`, async t => {
    const b = await withBroker(t, { fsync })
    await checkReadYourWrites(t, b.port)
  })
}
