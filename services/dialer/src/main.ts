import { runService } from '@autocall/service';
import { dialerService } from './service';

void runService(dialerService);
