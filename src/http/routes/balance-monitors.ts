// Balance monitors (blnk-contract.md ledger §1.3). Kassa validates updates like creations and recomputes
// `precise_value` exactly; `description` is taken on create; `=` is a working operator.
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../../errors.js';
import { BalanceMonitors, type MonitorValues } from '../../balances/monitors.js';
import { MONITOR_TRIGGERS, type BalanceMonitorRow, type MonitorTrigger } from '../../ledger/records.js';
import {
  MONITOR_FIELDS,
  MONITOR_OPERATORS,
  preciseValue,
  toDecimalText,
  type MonitorField,
  type MonitorOperator,
} from '../../ledger/monitor-condition.js';
import { monitorView } from '../../views/monitor.js';
import type { AppContext } from '../context.js';
import { bodyObject, isPlainObject, optionalString, throwIfInvalid, validationMessage, type FieldErrors } from '../validation.js';
import { described } from '../openapi/route-schema.js';
import { arrayOf, object, ref, string, messageAnswer } from '../openapi/components.js';

function optionalNumber(value: unknown, field: string): number | bigint | undefined {
  if (value === undefined || value === null) return undefined;
  if ((typeof value === 'number' && Number.isFinite(value)) || typeof value === 'bigint') return value;
  throw new ApiError('GEN_MALFORMED_REQUEST', `${field} must be a number`, { legacyKey: 'errors' });
}

/**
 * The monitor a request describes. On update, `stored` supplies what the body leaves out
 * (balance_id, precision, description, call_back_url); the condition itself is always required.
 */
function monitorValues(body: Record<string, unknown>, stored?: BalanceMonitorRow): MonitorValues {
  const errors: FieldErrors = {};
  const balance_id = optionalString(body.balance_id, 'balance_id')?.trim() || stored?.balance_id || '';
  if (!balance_id) errors.balance_id = 'cannot be blank';

  if (body.condition !== undefined && body.condition !== null && !isPlainObject(body.condition)) {
    throw new ApiError('GEN_MALFORMED_REQUEST', 'condition must be a JSON object', { legacyKey: 'errors' });
  }
  const condition = (body.condition as Record<string, unknown> | undefined) ?? {};
  const conditionErrors: FieldErrors = {};
  const field = optionalString(condition.field, 'field') ?? '';
  if (!field) conditionErrors.field = 'cannot be blank';
  else if (!(MONITOR_FIELDS as readonly string[]).includes(field)) conditionErrors.field = 'must be a valid value';
  const operator = optionalString(condition.operator, 'operator') ?? '';
  if (!operator) conditionErrors.operator = 'cannot be blank';
  else if (!(MONITOR_OPERATORS as readonly string[]).includes(operator)) conditionErrors.operator = 'must be a valid value';
  const value = optionalNumber(condition.value, 'value');
  if (value === undefined || Number(value) === 0) conditionErrors.value = 'cannot be blank';
  const precision = optionalNumber(condition.precision, 'precision') ?? (stored ? Number(stored.precision) : undefined);
  if (precision === undefined || Number(precision) === 0) conditionErrors.precision = 'cannot be blank';
  else if (Number(precision) < 0) conditionErrors.precision = 'must be no less than 0';
  if (Object.keys(conditionErrors).length > 0) errors.condition = `(${validationMessage(conditionErrors)})`;
  const trigger = optionalString(body.trigger, 'trigger') ?? stored?.trigger_mode ?? 'level';
  if (!(MONITOR_TRIGGERS as readonly string[]).includes(trigger)) errors.trigger = 'must be level or crossing';
  throwIfInvalid(errors);

  return {
    balance_id,
    field: field as MonitorField,
    operator: operator as MonitorOperator,
    value: toDecimalText(value!),
    precision: toDecimalText(precision!),
    precise_value: preciseValue(value!, precision!),
    description: optionalString(body.description, 'description') ?? stored?.description ?? '',
    call_back_url: optionalString(body.call_back_url, 'call_back_url') ?? stored?.call_back_url ?? '',
    trigger_mode: trigger as MonitorTrigger,
  };
}

export function registerBalanceMonitorRoutes(app: FastifyInstance, ctx: AppContext): void {
  const monitors = new BalanceMonitors(ctx.db);
  app.post(
    '/balance-monitors',
    described({
      tags: ['Balance monitors'],
      summary: 'Create a balance monitor',
      body: object(
        {
          balance_id: string(),
          condition: object({ field: string(), operator: string(), value: { type: 'number' }, precision: { type: 'integer' } }, [
            'field',
            'operator',
            'value',
          ]),
          description: string(),
          call_back_url: string(),
        },
        ['balance_id', 'condition'],
      ),
      answers: { 201: ref('BalanceMonitor') },
      errors: ['GEN_VALIDATION_ERROR', 'GEN_BAD_REQUEST', 'BAL_NOT_FOUND'],
    }),
    async (request, reply) => {
      const values = monitorValues(bodyObject(request.body, { legacyKey: 'errors' }));
      return reply.status(201).send(monitorView(await monitors.create(values)));
    },
  );

  app.get(
    '/balance-monitors',
    described({ tags: ['Balance monitors'], summary: 'List balance monitors', answers: { 200: arrayOf('BalanceMonitor') } }),
    async () => (await monitors.list()).map(monitorView),
  );

  app.get<{ Params: { balance_id: string } }>(
    '/balance-monitors/balances/:balance_id',
    described({
      tags: ['Balance monitors'],
      summary: 'The monitors of a balance',
      params: { balance_id: 'balance id' },
      answers: { 200: arrayOf('BalanceMonitor') },
    }),
    async (request) => (await monitors.ofBalance(request.params.balance_id)).map(monitorView),
  );

  app.get<{ Params: { id: string } }>(
    '/balance-monitors/:id',
    described({
      tags: ['Balance monitors'],
      summary: 'Read a balance monitor',
      params: { id: 'monitor id' },
      answers: { 200: ref('BalanceMonitor') },
      errors: ['BAL_MONITOR_NOT_FOUND'],
    }),
    async (request) => {
      return monitorView(await monitors.read(request.params.id));
    },
  );

  app.put<{ Params: { id: string } }>(
    '/balance-monitors/:id',
    described({
      tags: ['Balance monitors'],
      summary: 'Change a balance monitor',
      params: { id: 'monitor id' },
      body: ref('BalanceMonitor'),
      answers: { 200: messageAnswer },
      errors: ['GEN_VALIDATION_ERROR', 'GEN_BAD_REQUEST', 'BAL_MONITOR_NOT_FOUND'],
    }),
    async (request) => {
      const body = bodyObject(request.body, { legacyKey: 'errors' });
      await monitors.update(request.params.id, (stored) => monitorValues(body, stored));
      return { message: 'BalanceMonitor updated successfully' };
    },
  );

  app.delete<{ Params: { id: string } }>(
    '/balance-monitors/:id',
    described({
      tags: ['Balance monitors'],
      summary: 'Delete a balance monitor',
      params: { id: 'monitor id' },
      answers: { 200: messageAnswer },
      errors: ['BAL_MONITOR_NOT_FOUND'],
    }),
    async (request) => {
      await monitors.delete(request.params.id);
      return { message: 'BalanceMonitor deleted successfully' };
    },
  );
}
