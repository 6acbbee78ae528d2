export * from './stand-in/provider-stand-in';
export * from './tokens/dashboard-token';
export * from './system/free-port';
export * from './system/system-launcher';
export * from './infrastructure/test-infrastructure';
