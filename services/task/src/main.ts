import { runService } from '@autocall/service';
import { taskService } from './service';

void runService(taskService);
