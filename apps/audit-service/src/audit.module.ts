import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { AuditLogService } from './audit-log/audit-log.service';
import { AuditRpcController } from './audit-log/audit-rpc.controller';
import { AuditWriter } from './audit-log/audit-writer.service';
import { AuditConsumer } from './consumer/audit-consumer.service';

@Module({})
export class AuditModule {
  static register(dataSource: DataSource, sharedProviders: Provider[]): DynamicModule {
    return {
      module: AuditModule,
      providers: [
        ...sharedProviders,
        { provide: DataSource, useValue: dataSource },
        AuditLogService,
        AuditRpcController,
        AuditWriter,
        AuditConsumer,
      ],
    };
  }
}
