/** Injection token of the gateway's validated environment. */
export const GATEWAY_ENVIRONMENT = Symbol('GATEWAY_ENVIRONMENT');
