import t from 'tap'
import {
  deleteDirName, filenamePrefixFromOffset, isDeleteDirName, logFileName, offsetFromFileName, offsetIndexFileName,
  parsePartitionDirName, parseSegmentFileName, partitionDirName, timeIndexFileName, topicNameError
} from '../../src/storage/log-file-names.js'

t.test('20-digit offsets', async t => {
  t.equal(filenamePrefixFromOffset(0), '00000000000000000000')
  t.equal(filenamePrefixFromOffset(12345), '00000000000000012345')
  t.equal(logFileName('/d', 7), '/d/00000000000000000007.log')
  t.equal(offsetIndexFileName('/d', 7), '/d/00000000000000000007.index')
  t.equal(timeIndexFileName('/d', 7, '.swap'), '/d/00000000000000000007.timeindex.swap')
  t.equal(offsetFromFileName('/d/00000000000000000042.log'), 42)
  t.equal(offsetFromFileName('42.log'), null)
})

t.test('segment file names parse with their suffix', async t => {
  t.same(parseSegmentFileName('00000000000000000042.log'), { baseOffset: 42, kind: 'log', suffix: '' })
  t.same(parseSegmentFileName('00000000000000000042.index.cleaned'), { baseOffset: 42, kind: 'index', suffix: '.cleaned' })
  t.same(parseSegmentFileName('00000000000000000042.timeindex.deleted'), { baseOffset: 42, kind: 'timeindex', suffix: '.deleted' })
  t.same(parseSegmentFileName('00000000000000000042.log.swap'), { baseOffset: 42, kind: 'log', suffix: '.swap' })
  t.equal(parseSegmentFileName('00000000000000000042.snapshot'), null)
  t.equal(parseSegmentFileName('leader-epoch-checkpoint'), null)
})

t.test('partition directories', async t => {
  t.equal(partitionDirName('orders', 3), 'orders-3')
  t.same(parsePartitionDirName('orders-3'), { topic: 'orders', partition: 3 })
  t.same(parsePartitionDirName('my-topic-12'), { topic: 'my-topic', partition: 12 })
  t.same(parsePartitionDirName('__consumer_offsets-49'), { topic: '__consumer_offsets', partition: 49 })
  t.equal(parsePartitionDirName('orders'), null)
  t.equal(parsePartitionDirName('orders-x'), null)
  const del = deleteDirName('orders', 3, '0b1f5c9e-7d1a-4c5e-9f00-123456789abc')
  t.equal(del, 'orders-3.0b1f5c9e7d1a4c5e9f00123456789abc-delete')
  t.ok(isDeleteDirName(del))
  t.equal(parsePartitionDirName(del), null)
  t.notOk(isDeleteDirName('x-delete-0'))
})

t.test('topic names follow Kafka rules', async t => {
  t.equal(topicNameError('ok.name_1-2'), null)
  t.match(topicNameError(''), /empty/)
  t.match(topicNameError('..'), /cannot be/)
  t.match(topicNameError('a/b'), /characters outside/)
  t.match(topicNameError('x'.repeat(250)), /limit is 249/)
})
