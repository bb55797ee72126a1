/* info.h — INFO's periodic samples (app/cmd_info.c). */
#ifndef SS_INFO_H
#define SS_INFO_H

/* On the control thread, from its cron (called often; samples every
 * 100 ms): instantaneous ops and network rates, the memory peak, the
 * start-up memory. */
void info_cron(void);

#endif
