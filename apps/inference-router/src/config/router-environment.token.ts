/** Injection token of the router's validated environment. */
export const ROUTER_ENVIRONMENT = Symbol('ROUTER_ENVIRONMENT');
