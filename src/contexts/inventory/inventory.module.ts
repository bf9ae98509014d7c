import { Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { EventStore } from '../../platform/event-store/event-store';
import { IntegrationEvents } from '../../platform/messaging/message-bus';
import { toIntegrationEvent } from './application/integration-events';
import { ReleaseStockHandler } from './application/release-stock';
import { ReserveStockHandler } from './application/reserve-stock';
import { SetStockLevelHandler } from './application/set-stock-level';
import { stockLevelsProjection } from './application/stock-levels.projection';
import { InventoryCommandsSubscriber } from './interface/inventory-commands.subscriber';
import { InventoryController } from './interface/inventory.controller';

@Module({
  controllers: [InventoryController],
  providers: [SetStockLevelHandler, ReserveStockHandler, ReleaseStockHandler, InventoryCommandsSubscriber],
})
export class InventoryModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly eventStore: EventStore,
    private readonly integrationEvents: IntegrationEvents,
    private readonly commands: InventoryCommandsSubscriber,
  ) {}

  onModuleInit(): void {
    this.eventStore.registerInlineProjection(stockLevelsProjection);
    this.integrationEvents.registerTranslator('inventory', toIntegrationEvent);
  }

  onApplicationBootstrap(): Promise<void> {
    return this.commands.subscribe();
  }
}
