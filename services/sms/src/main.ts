import { runService } from '@autocall/service';
import { smsService } from './service';

void runService(smsService);
