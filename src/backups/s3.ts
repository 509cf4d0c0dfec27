// `GET /backup-s3`: the local dump, uploaded to `s3_bucket_name` under its file name, path-style at
// `s3_endpoint` (any S3-protocol server), with the static keys of the configuration. TLS unless the
// endpoint says http://, as in Blnk.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Config } from '../config/config.js';
import { BackupError } from './errors.js';

export type S3Settings = Config['backup']['s3'];

function endpointUrl(endpoint: string): string | undefined {
  if (endpoint === '') return undefined;
  return /^https?:\/\//i.test(endpoint) ? endpoint : `https://${endpoint}`;
}

/** Uploads `file`; returns the object key. */
export async function uploadToS3(settings: S3Settings, file: string): Promise<string> {
  const client = new S3Client({
    endpoint: endpointUrl(settings.endpoint),
    region: settings.region || undefined,
    forcePathStyle: true,
    credentials: { accessKeyId: settings.access_key_id, secretAccessKey: settings.secret_access_key },
    // A plain signed PUT: the SDK's default aws-chunked body with a checksum trailer is stored
    // verbatim by S3-protocol servers that do not speak it.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const key = basename(file);
  try {
    const { size } = await stat(file);
    await client.send(
      new PutObjectCommand({ Bucket: settings.bucket_name, Key: key, Body: createReadStream(file), ContentLength: size }),
    );
    return key;
  } catch (error) {
    // The SDK's error names (NoSuchBucket, InvalidAccessKeyId, ...) say what went wrong and carry no secret.
    const name = error instanceof Error ? error.name : 'Error';
    throw new BackupError(`the upload to S3 failed (${name})`, error instanceof Error ? error.message : undefined);
  } finally {
    client.destroy();
  }
}
