// A real S3-protocol server for tests (s3rver, storing in a temporary folder), and a client to read
// back what was uploaded.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';

interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
}
type S3rverClass = new (options: Record<string, unknown>) => S3rverInstance;
const S3rver = createRequire(import.meta.url)('s3rver') as S3rverClass;

/** s3rver's fixed credentials. */
export const S3_KEY = 'S3RVER';

export interface TestS3 {
  endpoint: string;
  /** Kassa's settings for this server and `bucket`. */
  env(bucket: string): Record<string, string>;
  read(bucket: string, key: string): Promise<string>;
  close(): Promise<void>;
}

export async function startS3(buckets: string[]): Promise<TestS3> {
  const directory = mkdtempSync(join(tmpdir(), 'kassa-s3-'));
  const server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: S3_KEY, secretAccessKey: S3_KEY },
  });
  return {
    endpoint,
    env: (bucket) => ({
      BLNK_S3_ENDPOINT: endpoint,
      BLNK_S3_REGION: 'us-east-1',
      BLNK_S3_BUCKET_NAME: bucket,
      BLNK_AWS_ACCESS_KEY_ID: S3_KEY,
      BLNK_AWS_SECRET_ACCESS_KEY: S3_KEY,
    }),
    async read(bucket, key) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await object.Body?.transformToString()) ?? '';
    },
    async close() {
      client.destroy();
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
