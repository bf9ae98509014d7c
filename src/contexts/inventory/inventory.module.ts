import { Module, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { LogConsumers } from '../../platform/consumers/log-consumer';
import { EventStore } from '../../platform/event-store/event-store';
import { IntegrationEvents } from '../../platform/messaging/message-bus';
import { AdjustStockHandler } from './application/adjust-stock';
import { CancelOrderStockHandler } from './application/cancel-order-stock';
import { CommitReservationHandler } from './application/commit-reservation';
import { ExpireReservationHandler } from './application/expire-reservation';
import { toIntegrationEvent } from './application/integration-events';
import { OrderStock } from './application/order-stock';
import { ReleaseStockHandler } from './application/release-stock';
import { ReserveStockHandler } from './application/reserve-stock';
import { RestockHandler } from './application/restock';
import { RestockReturnHandler } from './application/restock-return';
import { SetStockLevelHandler } from './application/set-stock-level';
import { stockLedgerProjection } from './application/stock-ledger.projection';
import { stockLevelsProjection } from './application/stock-levels.projection';
import { StockWrites } from './application/stock-writes';
import { InventoryCommandsSubscriber } from './interface/inventory-commands.subscriber';
import { InventoryController } from './interface/inventory.controller';
import { OrderEventsSubscriber } from './interface/order-events.subscriber';
import { StockMovementsController } from './interface/stock-movements.controller';

/** inventory: stock per SKU and holds per order (event-sourced, decided on locked rows), expiries, the stock ledger. */
@Module({
  controllers: [InventoryController, StockMovementsController],
  providers: [
    StockWrites,
    OrderStock,
    SetStockLevelHandler,
    RestockHandler,
    AdjustStockHandler,
    ReserveStockHandler,
    ReleaseStockHandler,
    ExpireReservationHandler,
    CommitReservationHandler,
    CancelOrderStockHandler,
    RestockReturnHandler,
    InventoryCommandsSubscriber,
    OrderEventsSubscriber,
  ],
})
export class InventoryModule implements OnModuleInit, OnApplicationBootstrap {
  constructor(
    private readonly eventStore: EventStore,
    private readonly integrationEvents: IntegrationEvents,
    private readonly consumers: LogConsumers,
    private readonly expiries: ExpireReservationHandler,
    private readonly commands: InventoryCommandsSubscriber,
    private readonly orderEvents: OrderEventsSubscriber,
  ) {}

  onModuleInit(): void {
    this.eventStore.registerInlineProjection(stockLevelsProjection);
    this.eventStore.registerInlineProjection(stockLedgerProjection);
    this.integrationEvents.registerTranslator('inventory', toIntegrationEvent);
    this.consumers.register(this.expiries.expiries);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.commands.subscribe();
    await this.orderEvents.subscribe();
  }
}
