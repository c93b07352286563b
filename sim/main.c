#include <stdio.h>
int main(void) { puts("bwsim: under construction"); return 0; }
