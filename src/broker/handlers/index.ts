// The handler table: every API this broker serves. ApiVersions advertises exactly these, in key order.
import type { Handler } from '../handler.js'
import produce from './00-produce.js'
import fetch from './01-fetch.js'
import listOffsets from './02-list-offsets.js'
import metadata from './03-metadata.js'
import apiVersions from './18-api-versions.js'
import createTopics from './19-create-topics.js'
import deleteTopics from './20-delete-topics.js'
import describeConfigs from './32-describe-configs.js'
import createPartitions from './37-create-partitions.js'

export const HANDLERS: readonly Handler[] = [
  produce, fetch, listOffsets, metadata, apiVersions, createTopics, deleteTopics, describeConfigs, createPartitions
].sort((a, b) => a.apiKey - b.apiKey)
