// jest test environment for kafkajs's suite against one broker: kafkajs's own environment (node), plus the
// exclusions of exclusions.cjs. When the run starts, every test of this file whose full name matches an
// exclusion is switched to `skip`, so it is neither run nor counted as a failure; jest reports it as
// pending and summarize.cjs attributes it to its exclusion (with the reason). Hooks of a describe block whose
// tests are all skipped do not run (jest-circus only runs hooks of blocks with an enabled test).
'use strict'

const path = require('path')

const kafkajsDir = process.env.KAFKAJS_DIR
if (!kafkajsDir) throw new Error('KAFKAJS_DIR is not set')
const NodeEnvironment = require(require.resolve('jest-environment-node', { paths: [kafkajsDir] }))
const exclusions = require('./exclusions.cjs')

function rulesFor (testPath) {
  const rel = path.relative(kafkajsDir, testPath).split(path.sep).join('/')
  return exclusions.filter(r => rel.startsWith(r.file))
}

function fullName (test) {
  const names = []
  for (let node = test; node && node.parent; node = node.parent) names.unshift(node.name)
  return names.join(' ')
}

function * testsOf (block) {
  // jest-circus 25 keeps tests in `tests` and describe blocks in `children`; later versions mix both in `children`
  for (const t of block.tests || []) yield t
  for (const c of block.children || []) {
    if (c.type === 'test') yield c
    else yield * testsOf(c)
  }
}

class SuiteEnvironment extends NodeEnvironment {
  constructor (config, context) {
    super(config, context)
    this.rules = rulesFor(context.testPath)
  }

  handleTestEvent (event, state) {
    if (event.name !== 'run_start' || this.rules.length === 0) return
    for (const test of testsOf(state.rootDescribeBlock)) {
      const name = fullName(test)
      if (this.rules.some(r => r.test === undefined || r.test.test(name))) test.mode = 'skip'
    }
  }
}

module.exports = SuiteEnvironment
