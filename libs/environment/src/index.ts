export * from './variables';
export * from './gateway.environment';
export * from './config-service.environment';
export * from './crypto-service.environment';
export * from './inference-router.environment';
export * from './audit-service.environment';
export * from './service-environments';
