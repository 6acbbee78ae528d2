import { join } from 'node:path';

/**
 * The inference router's gRPC service, for internal callers. The completion body travels as the
 * same OpenAI-format JSON the other transports carry, so one schema validates all three and a
 * new request field needs no proto change.
 */
export const INFERENCE_PROTO_PATH = join(__dirname, '..', '..', 'proto', 'inference.proto');

export const INFERENCE_GRPC_SERVICE = 'liya.inference.v1.InferenceRouter';
