/* The values usdt_target fires its USDT probes with in round R (a number read
 * from stdin), for the tests to check records against. */
#ifndef PROBELOG_TESTPROGS_USDT_VALUES_H
#define PROBELOG_TESTPROGS_USDT_VALUES_H

#define UT_CONST (-5)                                 /* forms arg0: -4@$-5 */
#define UT_LONG(r) (0x1122334455667700LL + (r))       /* forms arg1: 8@%REG */
#define UT_INT(r) (-100000 - (r))                     /* forms arg2: -4@%eREG */
#define UT_SHORT(r) ((short)(-300 - (r)))             /* forms arg3: -2@%REG16 */
#define UT_CHAR(r) ((signed char)(-7 - (r)))          /* forms arg4: -1@%REG8 */
#define UT_MEM(r) (77777 + (r))                       /* forms arg5: -4@OFF(%REG) */
#define UT_INDEXED(r) (-(1LL << 40) - ((r) % 4))      /* forms arg6: 8@(%BASE,%INDEX,8) */
#define UT_UCHAR(r) ((unsigned char)(200 + (r) % 50)) /* forms arg7: 1@... */
#define UT_STR_PREFIX "usdt-round-"                   /* strs arg0: "usdt-round-R" */
#define UT_BUF_LEN 5                                  /* strs arg1: 5 bytes 'a'+R%20.. */
#define UT_MULTI_A(r) (1000 + (r))                    /* multi, site in multi_a */
#define UT_MULTI_B(r) (2000 + (r))                    /* multi, site in multi_b */
#define UT_GUARDED(r) (3000 + (r))                    /* guarded (semaphore) */
#define UT_LIB(r) (4000 + (r))                        /* usdt_lib:lib_fire arg0 */

#endif
