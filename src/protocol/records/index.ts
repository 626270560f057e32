// RecordBatch v2: header views, validation, compression, record decoding and building.
export * from './batch-header.js'
export * from './batch-cursor.js'
export * from './crc32c.js'
export * from './validate.js'
export * from './compression.js'
export * from './record.js'
export * from './builder.js'
