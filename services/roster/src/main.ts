import { runService } from '@autocall/service';
import { rosterService } from './service';

void runService(rosterService);
