import { runService } from '@autocall/service';
import { gatewayService } from './service';

void runService(gatewayService);
