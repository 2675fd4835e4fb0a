import { runService } from '@autocall/service';
import { recordingService } from './service';

void runService(recordingService);
