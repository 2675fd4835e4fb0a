import { runService } from '@autocall/service';
import { eventsService } from './service';

void runService(eventsService);
