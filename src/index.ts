// The package entry: what a receiver of Kassa's webhooks and hooks imports.
export { verifyKassaSignature, signPayload, type SignatureCheck } from './events/signature.js';
