import { Controller, Get } from '@nestjs/common';

import { buildOpenApiDocument, type OpenApiDocument } from './openapi-document';
import { ROUTE_CATALOG } from './route-catalog';

const API_VERSION = '1.0.0';

/** The gateway's OpenAPI document, open to anyone: it describes routes, never a tenant. */
@Controller()
export class OpenApiController {
  private readonly document = buildOpenApiDocument(ROUTE_CATALOG, API_VERSION);

  @Get('openapi.json')
  openApi(): OpenApiDocument {
    return this.document;
  }
}
