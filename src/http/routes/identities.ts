import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError, type ErrorCode } from '../../errors.js';
import { newId } from '../../ids.js';
import {
  IDENTITY_TEXT_FIELDS,
  Identities,
  type IdentityChanges,
  type IdentityTextField,
  type NewIdentity,
} from '../../identities/identities.js';
import { isRfc3339 } from '../../time.js';
import { FILTER_LIMITS, parseFilterBody, parseFilterQuery } from '../../filters/language.js';
import type { AppContext } from '../context.js';
import { filterReply } from '../filtering.js';
import { parsePage } from '../pagination.js';
import { bodyObject, optionalMetaData, optionalString } from '../validation.js';
import { identityView } from '../../views/entities.js';
import { Tokenizer } from '../../identities/tokenizer.js';
import { auditActor } from '../../audit/audit-log.js';
import { described, FILTER_ERRORS } from '../openapi/route-schema.js';
import { arrayOf, listOf, object, ref, string, messageAnswer, listQuery } from '../openapi/components.js';

const IDENTITY_ID_PATTERN = /^idt_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `dob` arrives as an RFC 3339 timestamp (Blnk binds a Go time) and is stored as its UTC date. */
function optionalDob(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (!isRfc3339(value)) throw new ApiError('GEN_MALFORMED_REQUEST', 'dob must be an RFC 3339 timestamp');
  return new Date(value).toISOString().slice(0, 10);
}

/** `{"fields": [...]}` of the batch tokenize and detokenize routes. */
function fieldList(body: unknown): string[] {
  const fields = bodyObject(body).fields;
  if (fields === undefined || fields === null) throw new ApiError('GEN_MALFORMED_REQUEST', 'fields is required');
  if (!Array.isArray(fields) || !fields.every((field) => typeof field === 'string')) {
    throw new ApiError('GEN_MALFORMED_REQUEST', 'fields must be an array of strings');
  }
  return fields;
}

/** The client's meta_data without `tokenized_fields`: which fields hold tokens is the server's record. */
function clientMetaData(value: unknown): Record<string, unknown> | null {
  const meta = optionalMetaData(value);
  if (!meta || !Object.hasOwn(meta, 'tokenized_fields')) return meta;
  const { tokenized_fields: _ignored, ...rest } = meta;
  return rest;
}

function textFields(body: Record<string, unknown>): Partial<Record<IdentityTextField, string>> {
  const fields: Partial<Record<IdentityTextField, string>> = {};
  for (const field of IDENTITY_TEXT_FIELDS) {
    const value = optionalString(body[field], field);
    if (value !== undefined) fields[field] = value;
  }
  return fields;
}

export function registerIdentityRoutes(app: FastifyInstance, ctx: AppContext): void {
  const identities = new Identities(
    ctx.db,
    new Tokenizer(ctx.config.tokenization_secret, ctx.config.tokenization_previous_secrets),
  );
  registerTokenizationRoutes(app, identities);
  app.post(
    '/identities',
    described({
      tags: ['Identities'],
      summary: 'Create an identity',
      body: ref('Identity'),
      answers: { 201: ref('Identity') },
      errors: ['IDT_VALIDATION_ERROR', 'GEN_VALIDATION_ERROR'],
    }),
    async (request, reply) => {
      const body = bodyObject(request.body);
      const requestedId = optionalString(body.identity_id, 'identity_id');
      if (requestedId && !IDENTITY_ID_PATTERN.test(requestedId)) {
        throw new ApiError('IDT_VALIDATION_ERROR', 'identity_id must be idt_ followed by a UUID');
      }
      const identity_id = requestedId || newId('idt');
      const text = textFields(body);
      const row = {
        identity_id,
        ...Object.fromEntries(IDENTITY_TEXT_FIELDS.map((field) => [field, text[field] ?? ''])),
        dob: optionalDob(body.dob) ?? null,
        meta_data: clientMetaData(body.meta_data),
      } as NewIdentity;
      return reply.status(201).send(await identities.create(row));
    },
  );

  app.get(
    '/identities',
    described({
      tags: ['Identities'],
      summary: 'List identities, newest first',
      query: listQuery,
      answers: { 200: arrayOf('Identity') },
      errors: FILTER_ERRORS,
    }),
    async (request) => {
      const query = request.query as Record<string, unknown>;
      const filters = parseFilterQuery('identities', query);
      // Blnk lists every identity, unpaged, when the query has no filter.
      if (filters.conditions.length === 0) return (await identities.list()).map(identityView);
      const page = parsePage(query, { default_limit: 20, strict: false, limit_max: Number.MAX_SAFE_INTEGER });
      if (page.limit > FILTER_LIMITS.body_limit_max) page.limit = FILTER_LIMITS.body_limit_default;
      const filter = { ...filters, ...page, sort_by: 'created_at', sort_order: 'desc' as const, include_count: false };
      return filterReply(await identities.filter(filter), identityView, false);
    },
  );

  app.post(
    '/identities/filter',
    described({
      tags: ['Identities'],
      summary: 'Filter identities',
      body: ref('FilterRequest'),
      answers: { 200: listOf('Identity') },
      errors: FILTER_ERRORS,
    }),
    async (request) => {
      const filter = parseFilterBody('identities', request.body);
      return filterReply(await identities.filter(filter), identityView, filter.include_count);
    },
  );

  app.get<{ Params: { id: string } }>(
    '/identities/:id',
    described({
      tags: ['Identities'],
      summary: 'Read an identity',
      params: { id: 'identity id' },
      answers: { 200: ref('Identity') },
      errors: ['IDT_NOT_FOUND'],
    }),
    async (request) => {
      return identityView(await identities.read(request.params.id));
    },
  );

  app.put<{ Params: { id: string } }>(
    '/identities/:id',
    described({
      tags: ['Identities'],
      summary: 'Change an identity',
      params: { id: 'identity id' },
      body: ref('Identity'),
      answers: { 200: messageAnswer },
      errors: ['IDT_NOT_FOUND', 'IDT_VALIDATION_ERROR', 'GEN_BAD_REQUEST', 'GEN_VALIDATION_ERROR'],
    }),
    async (request) => {
      const body = bodyObject(request.body);
      const changes: IdentityChanges = {};
      for (const [field, value] of Object.entries(textFields(body))) {
        if (value !== '') changes[field as IdentityTextField] = value;
      }
      const dob = optionalDob(body.dob);
      if (dob) changes.dob = dob;
      if (body.meta_data !== undefined && body.meta_data !== null) changes.meta_data = clientMetaData(body.meta_data);
      if (Object.keys(changes).length === 0) throw new ApiError('GEN_BAD_REQUEST', 'No fields provided for update');
      await identities.update(request.params.id, changes);
      return { message: 'Identity updated successfully' };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/identities/:id',
    described({
      tags: ['Identities'],
      summary: 'Delete an identity',
      params: { id: 'identity id' },
      answers: { 200: messageAnswer },
      errors: ['IDT_NOT_FOUND', 'GEN_CONFLICT'],
    }),
    async (request) => {
      await identities.delete(request.params.id);
      return { message: 'Identity deleted successfully' };
    },
  );
}

type IdentityField = { Params: { id: string; field: string } };

const TOKENIZE_ERRORS: ErrorCode[] = [
  'IDT_NOT_FOUND',
  'IDT_TOKENIZATION_DISABLED',
  'IDT_FIELD_NOT_TOKENIZABLE',
  'IDT_FIELD_ALREADY_TOKENIZED',
  'IDT_FIELD_NOT_FOUND',
  'IDT_VALIDATION_ERROR',
];
const DETOKENIZE_ERRORS: ErrorCode[] = [
  'IDT_NOT_FOUND',
  'IDT_TOKENIZATION_DISABLED',
  'IDT_FIELD_NOT_TOKENIZED',
  'IDT_FIELD_NOT_FOUND',
  'IDT_FIELD_NOT_TOKENIZABLE',
  'IDT_VALIDATION_ERROR',
];

function registerTokenizationRoutes(app: FastifyInstance, identities: Identities): void {
  const detokenizeAudited = (request: FastifyRequest<{ Params: { id: string } }>, fields: readonly string[]) =>
    identities.detokenize(request.params.id, fields, auditActor(request));
  app.get<{ Params: { id: string } }>(
    '/identities/:id/tokenized-fields',
    described({
      tags: ['Identities'],
      summary: 'Which fields hold tokens',
      params: { id: 'identity id' },
      answers: { 200: object({ tokenized_fields: { type: 'array', items: string() } }) },
      errors: ['IDT_NOT_FOUND'],
    }),
    async (request) => ({
      tokenized_fields: await identities.tokenizedFields(request.params.id),
    }),
  );

  app.post<IdentityField>(
    '/identities/:id/tokenize/:field',
    described({
      tags: ['Identities'],
      summary: 'Tokenize one field',
      params: { id: 'identity id', field: 'field name' },
      answers: { 200: messageAnswer },
      errors: TOKENIZE_ERRORS,
    }),
    async (request) => {
      await identities.tokenize(request.params.id, [request.params.field]);
      return { message: 'Field tokenized successfully' };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/identities/:id/tokenize',
    described({
      tags: ['Identities'],
      summary: 'Tokenize fields',
      params: { id: 'identity id' },
      body: object({ fields: { type: 'array', items: string() } }),
      answers: { 200: messageAnswer },
      errors: [...TOKENIZE_ERRORS, 'GEN_VALIDATION_ERROR'],
    }),
    async (request) => {
      const fields = fieldList(request.body);
      if (fields.length === 0) throw new ApiError('GEN_VALIDATION_ERROR', 'at least one field must be specified');
      await identities.tokenize(request.params.id, fields);
      return { message: 'Fields tokenized successfully' };
    },
  );

  app.get<IdentityField>(
    '/identities/:id/detokenize/:field',
    described({
      tags: ['Identities'],
      summary: 'Detokenize one field',
      params: { id: 'identity id', field: 'field name' },
      answers: { 200: object({ field: string(), value: string() }) },
      errors: DETOKENIZE_ERRORS,
    }),
    async (request) => {
      const { field } = request.params;
      const values = await detokenizeAudited(request, [field]);
      return { field, value: values[field] };
    },
  );

  app.post<{ Params: { id: string } }>(
    '/identities/:id/detokenize',
    described({
      tags: ['Identities'],
      summary: 'Detokenize fields (all tokenized fields when none are named)',
      params: { id: 'identity id' },
      body: object({ fields: { type: 'array', items: string() } }, []),
      answers: { 200: object({ fields: { type: 'object', additionalProperties: string() } }) },
      errors: DETOKENIZE_ERRORS,
    }),
    async (request) => ({ fields: await detokenizeAudited(request, fieldList(request.body)) }),
  );
}
