export * from './logging/logger';
export * from './logging/scrub-secrets';
export * from './config/environment';
export * from './ops/metrics';
export * from './ops/ops-server';
export * from './lifecycle/run-service';
